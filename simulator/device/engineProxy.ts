// The device's engine endpoint on ADDRESS:2375: forwards the Docker Engine API to the real engine, scoped to
// this device. `local_*` image names (what `balena push` builds and tags) are rewritten to the device's own
// namespace both ways; objects created through it get the device label; container listings only show this
// device's containers. Build contexts pass through the device link (throttled, counted). Hijacked
// connections (attach, exec) are piped through unchanged.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import { pipeline, Transform } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { DeviceScope } from './scope.js';
import type { EngineTarget } from './engineUrl.js';
import type { Link } from './link.js';
import { rewriteRequest, rewriteImageList, labelCreateBody, type Rewritten } from './engineRewrite.js';
import { rewriteBuildContext } from './buildContextRewrite.js';
import { isPlainTar, labelsToFold, withLabels } from './buildLabels.js';
import { vetContainerBody, vetVolumeBody, type ContainerPolicy } from './containerPolicy.js';
import { carriesKey } from './apiKey.js';
import { guarded, parseJsonText } from './http.js';
import { EdgePushError, httpStatusOf, messageOf } from '../shared/errors.js';

export interface EngineProxyDeps {
  engine: EngineTarget;
  scope: DeviceScope;
  link: Link;
  /** What containers created through this endpoint may have (refusals answer 403). */
  policy: ContainerPolicy;
  /** When set, every request must carry it (as on the supervisor port). */
  apiKey?: string;
  onBuildBytes(id: string, bytes: number, done: boolean): void;
  /** After a build, tag, load or image delete: the reconciler may have work now. */
  onImagesChanged(): void;
  log(line: string): void;
  /** Requests the device answers itself (registry pulls, registryPullRoutes.ts): true when handled. */
  intercept?(req: IncomingMessage, res: ServerResponse): boolean;
  /** An edit of a build's Dockerfile on its way (buildContextRewrite.ts), given the build's query; none: as sent. */
  editBuildDockerfile?(query: URLSearchParams): ((text: string) => Promise<string>) | undefined;
  /** A simulated disk this small (`edgepush device --disk-free`): containers get it as EDGEPUSH_SIMULATED_DISK_FREE. */
  diskFreeBytes?: number;
}

/** The variable through which a simulated device tells its containers how much disk it pretends to have left. */
export const SIMULATED_DISK_FREE_ENV = 'EDGEPUSH_SIMULATED_DISK_FREE';

const BODY_REWRITE_LIMIT = 4 << 20;

/** An answer in the Docker Engine API's error shape (`{"message"}`). */
function sendEngineError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const text = JSON.stringify({ message });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const UNAUTHORIZED = 'Unauthorized: this device was started with --api-key; send it on the engine port too (Authorization: Bearer KEY)';

export function engineProxyHandler(deps: EngineProxyDeps): (req: IncomingMessage, res: ServerResponse) => void {
  let buildSeq = 0;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (deps.apiKey && !carriesKey(req, undefined, deps.apiKey)) {
      req.resume();
      return sendEngineError(res, 401, UNAUTHORIZED);
    }
    if (deps.intercept?.(req, res)) return;
    const rw = rewriteRequest(req.method ?? 'GET', req.url ?? '/', deps.scope);
    const headers = { ...req.headers };
    delete headers['content-length'];
    const isBuild = rw.kind === 'build';
    let rewriter: Transform | undefined;
    const forward = (body?: Buffer) => {
      if (body) headers['content-length'] = String(body.length);
      else if (req.headers['content-length'] && !rewriter) headers['content-length'] = req.headers['content-length'];
      const upstream = http.request({ ...deps.engine, method: req.method, path: rw.path, headers }, (up) => respond(deps, rw, up, res));
      upstream.on('error', (err) => {
        deps.log(`Engine not reachable: ${err.message}`);
        sendEngineError(res, 503, `engine not reachable: ${err.message}`);
      });
      if (body) upstream.end(body);
      else if (isBuild) {
        const id = `build-${++buildSeq}`;
        let total = 0;
        const meter = deps.link.inbound((n) => {
          total += n;
          deps.onBuildBytes(id, total, false);
        });
        const done = (err: NodeJS.ErrnoException | null) => {
          if (!err) deps.onBuildBytes(id, total, true);
        };
        if (rewriter) pipeline(req, meter, rewriter, upstream, done);
        else pipeline(req, meter, upstream, done);
      } else pipeline(req, upstream, () => undefined); // a client that goes away ends the engine's request too
      // (as on a real device, where the engine sees the connection close: a half-sent archive upload would
      // otherwise hold the container's lock, and every later call on that container would wait)
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
    };
    if (rw.kind === 'create') {
      collect(req, BODY_REWRITE_LIMIT).then(
        (buf) => {
          try {
            const vetted = vetCreateRequest(rw.path, buf, deps);
            if ('refused' in vetted) return sendEngineError(res, 403, vetted.refused);
            forward(vetted.body);
          } catch (err) {
            sendEngineError(res, httpStatusOf(err), messageOf(err));
          }
        },
        () => sendEngineError(res, 413, 'request body too large'),
      );
    } else if (isBuild) {
      void buildRoute(req, rw, deps).then((route) => {
        rw.path = route.path;
        rewriter = route.rewriter;
        forward();
      });
    } else forward();
  };
  return guarded(handle, (err, _req, res) => {
    if (!EdgePushError.is(err)) deps.log(`Engine endpoint error: ${messageOf(err)}`);
    sendEngineError(res, httpStatusOf(err), messageOf(err));
  });
}

/**
 * Where a build goes and how its context is edited on the way: the device's own Dockerfile edit, and the build's
 * labels folded into one LABEL line when the context is a plain tar (buildLabels.ts; its first bytes are looked at
 * and put back).
 */
async function buildRoute(req: IncomingMessage, rw: Rewritten, deps: EngineProxyDeps): Promise<{ path: string; rewriter?: Transform }> {
  const url = new URL(rw.path, 'http://engine');
  const q = url.searchParams;
  const edit = deps.editBuildDockerfile?.(q);
  const labels = labelsToFold(q);
  const fold = labels !== undefined && isPlainTar(await firstBytes(req));
  if (fold) q.delete('labels');
  const edits = fold ? async (t: string) => withLabels(edit ? await edit(t).catch(() => t) : t, labels) : edit;
  const search = q.toString();
  return {
    path: fold ? `${url.pathname}${search ? `?${search}` : ''}` : rw.path,
    rewriter: edits ? rewriteBuildContext(q.get('dockerfile') || 'Dockerfile', edits) : undefined,
  };
}

/** The first chunk of a request body, put back so the body still reads whole (empty at the end of the body). */
function firstBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const done = (chunk: Buffer) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onEnd);
      req.pause();
      if (chunk.length > 0) req.unshift(chunk);
      resolve(chunk);
    };
    const onData = (c: Buffer) => done(c);
    const onEnd = () => done(Buffer.alloc(0));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onEnd);
  });
}

/** Labels a create body for this device and, for containers and volumes, puts it through the policy. What is
 *  forwarded is exactly what was vetted: the body as parsed here, serialised again. */
function vetCreateRequest(path: string, buf: Buffer, deps: EngineProxyDeps): { body: Buffer } | { refused: string } {
  const parsed = parseJsonText(buf.toString('utf8')); // malformed or too deep: 400, before the engine sees it
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { body: buf };
  const body = parsed as Record<string, unknown>;
  const route = path.replace(/^\/v\d+(?:\.\d+)?/, '').split('?')[0];
  const vetted =
    route === '/containers/create'
      ? vetContainerBody(body, deps.policy)
      : route === '/volumes/create'
        ? vetVolumeBody(body, deps.policy)
        : { body, refused: [] };
  if (vetted.refused.length > 0) {
    const message = `refused by the simulated device: ${vetted.refused.join('; ')} (it would give the container root on this machine; start the device with --allow-privileged to allow it)`;
    deps.log(`Engine endpoint: ${message}`);
    return { refused: message };
  }
  const out = vetted.body as Record<string, unknown>;
  if (route === '/containers/create' && deps.diskFreeBytes !== undefined) {
    out.Env = [...(Array.isArray(out.Env) ? (out.Env as unknown[]).map(String) : []), `${SIMULATED_DISK_FREE_ENV}=${deps.diskFreeBytes}`];
  }
  return { body: labelCreateBody(Buffer.from(JSON.stringify(out)), deps.scope) };
}

function respond(deps: EngineProxyDeps, rw: Rewritten, up: IncomingMessage, res: ServerResponse): void {
  if (rw.kind === 'imageList' && up.statusCode === 200) {
    collect(up, 64 << 20)
      .then((buf) => {
        const out = Buffer.from(JSON.stringify(rewriteImageList(JSON.parse(buf.toString('utf8')), deps.scope)));
        const headers = { ...up.headers, 'content-length': String(out.length) };
        delete headers['transfer-encoding'];
        res.writeHead(200, headers);
        res.end(out);
      })
      .catch(() => res.destroy());
    return;
  }
  res.writeHead(up.statusCode ?? 502, up.headers);
  // Build output names the scoped tag ("Successfully tagged edgepush-dev/<id>/local_main:latest"): show the
  // name the client asked for.
  if (rw.kind === 'build') {
    reportBuildErrors(up, rw.tags, deps.log);
    up.pipe(stripText(`edgepush-dev/${deps.scope.id}/`)).pipe(res);
  } else up.pipe(res);
  if (rw.imagesChange) up.on('end', () => deps.onImagesChanged());
}

/** Says in the device log when a build through the engine endpoint fails (the client sees the engine's words). */
function reportBuildErrors(up: IncomingMessage, tags: string[], log: (line: string) => void): void {
  let window = '';
  let reported = false;
  up.on('data', (c: Buffer) => {
    if (reported) return;
    window = (window + c.toString('utf8')).slice(-8192);
    const m = /"error"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(window);
    if (m) {
      reported = true;
      let msg = m[1]!;
      try {
        msg = JSON.parse(`"${msg}"`) as string;
      } catch {
        // keep the raw text
      }
      log(`Image build failed${tags.length ? ` for ${tags.join(', ')}` : ''}: ${msg.trim()}`);
    }
  });
  if ((up.statusCode ?? 200) >= 400)
    log(`Image build refused by the engine (HTTP ${up.statusCode})${tags.length ? ` for ${tags.join(', ')}` : ''}`);
}

/** Removes every occurrence of `needle` from a byte stream, across chunk boundaries. */
export function stripText(needle: string): Transform {
  const n = Buffer.from(needle);
  let tail = Buffer.alloc(0);
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      const buf = Buffer.concat([tail, chunk]);
      const parts: Buffer[] = [];
      let from = 0;
      for (let i = buf.indexOf(n); i >= 0; i = buf.indexOf(n, from)) {
        parts.push(buf.subarray(from, i));
        from = i + n.length;
      }
      const keep = Math.min(n.length - 1, buf.length - from);
      parts.push(buf.subarray(from, buf.length - keep));
      tail = Buffer.from(buf.subarray(buf.length - keep));
      cb(null, Buffer.concat(parts));
    },
    flush(cb) {
      cb(null, tail);
    },
  });
}

function collect(stream: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        stream.destroy();
        reject(new Error('too large'));
      } else chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Hijacked requests (Upgrade: tcp for attach/exec): raw bytes both ways after the rewritten request head. */
export function engineProxyUpgrade(deps: EngineProxyDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string, message: string) => {
      const text = JSON.stringify({ message });
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
    };
    if (deps.apiKey && !carriesKey(req, undefined, deps.apiKey)) return refuse('401 Unauthorized', UNAUTHORIZED);
    let rw: Rewritten;
    try {
      rw = rewriteRequest(req.method ?? 'GET', req.url ?? '/', deps.scope);
    } catch (err) {
      return refuse('400 Bad Request', messageOf(err));
    }
    const upstream = 'socketPath' in deps.engine ? net.connect(deps.engine.socketPath) : net.connect(deps.engine.port, deps.engine.host);
    upstream.on('connect', () => {
      const lines = [`${req.method} ${rw.path} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    upstream.on('error', close);
    socket.on('error', close);
    upstream.on('close', close);
    socket.on('close', close);
  };
}
