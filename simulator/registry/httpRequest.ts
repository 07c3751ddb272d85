// HTTP(S) requests on node:http for the registry client: the few parts of fetch's Response it uses (status,
// headers, a body read once or cancelled, text), redirects followed (Authorization kept only on the same origin).
// Not Node's fetch: fetch, and even its Response class, load undici and its WebAssembly parser, about 15 MB
// resident that a device agent kept for the rest of its life after its first registry pull (bench:fleet, agent
// idle RSS after a release).
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

export interface HttpBody extends AsyncIterable<Uint8Array> {
  /** Drops the rest of the body (and its connection). */
  cancel(): Promise<void>;
}

export interface HttpResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null; has(name: string): boolean };
  body: HttpBody;
  text(): Promise<string>;
}

/** A body read from elsewhere (a file) as it is sent: its size, and a fresh stream of it for each send (a
 *  redirect or an auth challenge sends it again). */
export interface StreamedBody {
  size: number;
  open(): Readable;
}

export type RequestBody = Buffer | StreamedBody;

export const bodySize = (b: RequestBody): number => (Buffer.isBuffer(b) ? b.length : b.size);

/** A streamed body's own source failed (its file unreadable, gone): the request failed on this side, not the
 *  server's, and callers must not report it as a server that does not answer. `cause` is the source's error. */
export class BodySourceError extends Error {
  constructor(override readonly cause: unknown) {
    super(`reading the body to send failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'BodySourceError';
  }
}

export interface HttpInit {
  method: string;
  headers: Record<string, string>;
  body?: RequestBody;
  signal?: AbortSignal;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export async function httpRequest(url: string, init: HttpInit): Promise<HttpResponse> {
  let target = new URL(url);
  let current = init;
  for (let hops = 0; ; hops++) {
    const res = await send(target, current);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || !location || hops === MAX_REDIRECTS) return wrap(res);
    res.resume();
    const next = new URL(location, target);
    const headers = { ...current.headers };
    if (next.origin !== target.origin) for (const k of Object.keys(headers)) if (k.toLowerCase() === 'authorization') delete headers[k];
    const method = res.statusCode === 303 ? 'GET' : current.method;
    current = { ...current, method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : current.body };
    target = next;
  }
}

function send(url: URL, init: HttpInit): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const body = init.body;
    const headers = body ? { ...init.headers, 'content-length': String(bodySize(body)) } : init.headers;
    // A HEAD answer has no body, but its connection goes back to the pool only once that empty body has been
    // read: a caller that looks at the status alone (a 404) left it in use, and an idle CLI then waited for the
    // registry to close it (30 s after `image delta`).
    const req = (url.protocol === 'https:' ? https : http).request(url, { method: init.method, headers, signal: init.signal }, (res) => {
      if (init.method === 'HEAD') res.resume();
      resolve(res);
    });
    req.on('error', reject);
    if (body === undefined || Buffer.isBuffer(body)) return void req.end(body);
    // Streamed: a failing source ends the request (its error is the request's); a registry that goes away
    // mid-body fails the request (ECONNRESET, EPIPE) and the source is closed.
    const source = body.open();
    source.on('error', (err) => req.destroy(new BodySourceError(err)));
    req.on('close', () => source.destroy());
    source.pipe(req);
  });
}

function wrap(res: http.IncomingMessage): HttpResponse {
  const status = res.statusCode ?? 0;
  const header = (name: string) => {
    const v = res.headers[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  };
  const body: HttpBody = {
    [Symbol.asyncIterator]: () => res[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
    cancel: async () => void res.destroy(),
  };
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: { get: header, has: (name) => header(name) !== null },
    body,
    async text() {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
