// The few kinds of error EdgePush raises. Each carries a reason a user can act on; HTTP servers map the kind
// to a status code in one place (see `httpStatusOf`), the CLI maps it to an exit code.

export type ErrorKind =
  | 'invalid-input' // the caller sent something malformed: 400 / exit 2
  | 'not-found' // a named thing does not exist: 404
  | 'conflict' // the request clashes with current state (wrong or missing basis, name taken): 409
  | 'locked' // held back by a lock (updates.lock, an ingest being written): 423
  | 'too-large' // declared or sent sizes beyond what is allowed or what fits (memory, disk): 413
  | 'refused' // the device's policy does not allow it (host root from a simulated device): 403
  | 'unauthorized' // a required API key is missing or wrong: 401
  | 'unavailable' // a dependency (engine, device) does not answer: 503
  | 'corrupt' // data failed verification (digest, truncated stream): 422
  | 'cancelled' // the user stopped the work
  | 'internal'; // a bug: 500

const brand = Symbol.for('edgepush.EdgePushError');

export class EdgePushError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EdgePushError';
    Object.defineProperty(this, brand, { value: true });
  }

  /** `instanceof EdgePushError` by brand: the CLI and the extension load their heavy halves as bundles of their
   *  own, each with its own copy of this class, and an error crosses from one to the other. Subclasses keep
   *  the usual prototype check. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (this !== EdgePushError) return Function.prototype[Symbol.hasInstance].call(this, x);
    return typeof x === 'object' && x !== null && brand in x;
  }

  static is(err: unknown, kind?: ErrorKind): err is EdgePushError {
    return err instanceof EdgePushError && (kind === undefined || err.kind === kind);
  }
}

export const invalidInput = (message: string, cause?: unknown) => new EdgePushError('invalid-input', message, { cause });
export const notFound = (message: string) => new EdgePushError('not-found', message);
export const conflict = (message: string) => new EdgePushError('conflict', message);
export const unavailable = (message: string, cause?: unknown) => new EdgePushError('unavailable', message, { cause });
export const corrupt = (message: string) => new EdgePushError('corrupt', message);
export const locked = (message: string) => new EdgePushError('locked', message);
export const tooLarge = (message: string) => new EdgePushError('too-large', message);
export const refused = (message: string) => new EdgePushError('refused', message);
export const cancelled = (message = 'cancelled') => new EdgePushError('cancelled', message);

const statusByKind: Record<ErrorKind, number> = {
  'invalid-input': 400,
  'not-found': 404,
  conflict: 409,
  locked: 423,
  'too-large': 413,
  refused: 403,
  unauthorized: 401,
  unavailable: 503,
  corrupt: 422,
  cancelled: 499,
  internal: 500,
};

export function httpStatusOf(err: unknown): number {
  return err instanceof EdgePushError ? statusByKind[err.kind] : 500;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
