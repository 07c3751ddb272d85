// A push that failed, with the stage it failed in, so the CLI can pick an exit code that says what failed.
import { EdgePushError, type ErrorKind, messageOf } from '../shared/errors.js';

export type PushStage = 'project' | 'connect' | 'build' | 'ship' | 'apply';

export class PushFailure extends EdgePushError {
  constructor(
    readonly stage: PushStage,
    kind: ErrorKind,
    message: string,
    cause?: unknown,
  ) {
    super(kind, message, { cause });
    this.name = 'PushFailure';
  }
}

/** Wraps an error from one stage (keeping `cancelled` and `invalid-input` kinds as they are). */
export function failedIn(stage: PushStage, err: unknown): EdgePushError {
  if (err instanceof PushFailure) return err;
  if (err instanceof EdgePushError) return new PushFailure(stage, err.kind, err.message, err);
  return new PushFailure(stage, 'internal', messageOf(err), err);
}

/** CLI exit codes (documented in `edgepush push --help`). */
export const EXIT_CODES = {
  ok: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  build: 4,
  apply: 5,
  cancelled: 130,
} as const;

export function exitCodeOf(err: unknown): number {
  if (EdgePushError.is(err, 'cancelled')) return EXIT_CODES.cancelled;
  if (EdgePushError.is(err, 'invalid-input')) return EXIT_CODES.usage;
  if (err instanceof PushFailure) {
    if (err.stage === 'connect') return EXIT_CODES.unreachable;
    // The device went away mid-build (the connection broke): unreachable, not a failed build.
    if (err.stage === 'build' && err.kind === 'unavailable') return EXIT_CODES.unreachable;
    if (err.stage === 'build') return EXIT_CODES.build;
    if (err.stage === 'apply' || err.stage === 'ship') return EXIT_CODES.apply;
  }
  if (EdgePushError.is(err, 'unavailable')) return EXIT_CODES.unreachable;
  return EXIT_CODES.failure;
}
