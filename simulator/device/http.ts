// Small HTTP helpers shared by the device's servers: a route table, JSON replies, bounded body reads, and the
// one place where a handler's error becomes an HTTP answer. Nothing a client sends may throw out of a handler:
// malformed URLs and escapes, bodies too large or too deeply nested all become 4xx answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpStatusOf, invalidInput, messageOf, tooLarge } from '../shared/errors.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => Promise<void> | void;

export interface Route {
  method: string;
  /** Path with `:name` segments. */
  path: string;
  handler: Handler;
}

/** The request's URL; a request line no URL parser accepts (`GET http://[::1/`) is invalid input. */
export function requestUrl(req: IncomingMessage, base = 'http://device'): URL {
  try {
    return new URL(req.url ?? '/', base);
  } catch {
    throw invalidInput(`malformed request URL '${String(req.url).slice(0, 200)}'`);
  }
}

/** decodeURIComponent that says which path segment was malformed instead of throwing a URIError. */
export function decodePathSegment(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw invalidInput(`malformed percent-escape in path segment '${p.slice(0, 200)}'`);
  }
}

export function matchRoute(
  routes: Route[],
  method: string,
  pathname: string,
): { route: Route; params: Record<string, string> } | 'method' | undefined {
  let methodMismatch = false;
  const parts = pathname.split('/');
  for (const route of routes) {
    const want = route.path.split('/');
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const w = want[i]!;
      const p = parts[i]!;
      if (w.startsWith(':')) params[w.slice(1)] = decodePathSegment(p);
      else ok = w === p;
    }
    if (!ok) continue;
    if (route.method !== method) {
      methodMismatch = true;
      continue;
    }
    return { route, params };
  }
  return methodMismatch ? 'method' : undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A text reply, typed as the real supervisor's (express `res.send(string)`) are: text/html. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The supervisor's failure shape. */
export function sendFailed(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { status: 'failed', message });
}

/** An error as the supervisor's failure answer, its status from the error's kind (500 for anything else).
 *  Once the answer has begun (a stream), the connection is closed instead. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  sendFailed(res, httpStatusOf(err), messageOf(err));
}

/**
 * Runs a request handler so that nothing it throws, synchronously or later, escapes: errors go to `onError`
 * (which answers), and an error in `onError` itself only closes the connection. The request body is drained
 * or the socket closed, so a half-read upload never hangs the client.
 */
export function guarded(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
  onError: (err: unknown, req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const fail = (err: unknown, req: IncomingMessage, res: ServerResponse) => {
    try {
      if (!req.complete) req.resume();
      onError(err, req, res);
    } catch {
      res.destroy();
    }
  };
  return (req, res) => {
    try {
      const r = handle(req, res);
      if (r instanceof Promise) r.catch((err: unknown) => fail(err, req, res));
    } catch (err) {
      fail(err, req, res);
    }
  };
}

/** Reads the whole body, refusing more than `limit` bytes (413) without buffering the excess. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(tooLarge(`request body over ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(`request body over ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => failed || resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Nesting deeper than any real body (compose files nest a few levels) is refused before parsing: the
 *  parser and everything that walks the result (schemas, JSON.stringify) recurse. */
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of objects and arrays in JSON text (strings skipped), stopping once past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** JSON.parse for text from the network: malformed or too deeply nested text is invalid input. */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepth(text, maxDepth) > maxDepth) throw invalidInput(`JSON nested deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidInput(`Malformed JSON body: ${messageOf(err)}`);
  }
}

/** Parses a JSON body; malformed or too deeply nested JSON becomes an invalid-input error. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) return {};
  return parseJsonText(body.toString('utf8'));
}
