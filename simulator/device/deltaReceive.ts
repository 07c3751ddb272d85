// Delta receive: `PUT /v2/edgepush/deltas/:id` takes an image delta made by the embedded engine
// (simulator/engine), resumable by offset, throttled by the device link. The bytes go into a content store
// ingest; once complete and matching its sha256 digest the delta is applied against the basis image on the
// engine, every digest verified, and the image loaded (only a complete, verified image ever appears) under
// the requested tag, scoped like builds. Then the reconciler looks again.
import { join } from 'node:path';
import { mkdirSync, createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import { ContentStore, type ContentWriter } from '../engine/contentStore.js';
import { applyImageDelta, readImageDeltaHeader } from '../engine/imageDeltaApply.js';
import type { DeviceScope } from './scope.js';
import type { Link } from './link.js';
import type { UpdateEventBus } from './updateEvents.js';
import type { LogHub } from './logHub.js';
import { sendJson, sendFailed, type Route } from './http.js';
import { EdgePushError, messageOf } from '../shared/errors.js';

export interface DeltaReceiveDeps {
  docker: Docker;
  scope: DeviceScope;
  link: Link;
  dataDir: string;
  events: UpdateEventBus;
  hub: LogHub;
  onImage(): void;
}

const idRe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;
const digestRe = /^sha256:[0-9a-f]{64}$/;

/** `bytes START-END/TOTAL` or `bytes START-*\/TOTAL`-ish forms; returns start and total. */
export function parseContentRange(h: string | undefined): { start: number; total: number | null } | undefined {
  if (!h) return undefined;
  const m = /^bytes\s+(\d+)-(?:\d+)?\/(\d+|\*)$/.exec(h.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

export function deltaRoutes(deps: DeltaReceiveDeps): Route[] {
  mkdirSync(deps.dataDir, { recursive: true });
  let storeP: Promise<ContentStore> | undefined;
  const store = () => (storeP ??= ContentStore.open(deps.dataDir));
  const results = new Map<string, { imageId: string; repoTags: string[] }>();

  const held = async (id: string): Promise<number> => {
    const w = await (await store()).writer(`delta-${id}`);
    const n = w.offset;
    await w.close();
    return n;
  };

  const put = async (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => {
    const id = params.id ?? '';
    if (!idRe.test(id)) return sendFailed(res, 400, 'Invalid delta id');
    const range = parseContentRange(req.headers['content-range']);
    if (req.headers['content-range'] && !range) return sendFailed(res, 400, 'Invalid Content-Range (expected bytes START-END/TOTAL)');
    const tag = url.searchParams.get('tag');
    const digest = url.searchParams.get('digest') ?? (req.headers['x-delta-digest'] as string | undefined) ?? null;
    if (digest !== null && !digestRe.test(digest)) return sendFailed(res, 400, 'Invalid digest (expected sha256:<64 hex>)');
    const sizeParam = url.searchParams.get('size');
    const total = range?.total ?? (sizeParam !== null ? Number(sizeParam) : Number(req.headers['content-length'] ?? NaN));
    if (!Number.isFinite(total) || total < 0) return sendFailed(res, 400, 'Unknown delta size: send Content-Range or ?size=');
    const start = range?.start ?? 0;
    const s = await store();
    let w: ContentWriter;
    try {
      w = await s.writer(`delta-${id}`);
    } catch (err) {
      req.resume();
      throw err;
    }
    try {
      if (start !== w.offset) {
        req.resume();
        const held = w.offset;
        await w.close(); // before replying: the client's next request may come at once
        if (held > 0) res.setHeader('Range', `bytes=0-${held - 1}`);
        return sendJson(res, 416, { status: 'failed', message: `resume at offset ${held}`, offset: held });
      }
      let bytes = w.offset;
      const emit = (done: boolean) => deps.events.emit({ type: 'transfer', kind: 'delta', id, bytes, total, done });
      let lastEmit = 0;
      await pipeline(
        req,
        deps.link.inbound(),
        new Writable({
          write(chunk: Buffer, _e, cb) {
            if (bytes + chunk.length > total) return cb(new EdgePushError('invalid-input', `more bytes than the declared size ${total}`));
            bytes += chunk.length;
            if (Date.now() - lastEmit > 250) {
              lastEmit = Date.now();
              emit(false);
            }
            w.write(chunk).then(() => cb(), cb);
          },
        }),
      );
      if (bytes < total) {
        await w.close();
        emit(false);
        return sendJson(res, 202, { status: 'success', complete: false, offset: bytes, total });
      }
      if (!digest) {
        await w.close();
        return sendFailed(res, 400, 'All bytes received; send the final request with ?digest=sha256:... to complete');
      }
      try {
        await w.commit(total, digest);
      } catch (err) {
        await w.abort();
        throw err;
      }
      emit(true);
      const result = await applyReceived(deps, s, id, digest, tag);
      results.set(id, result);
      sendJson(res, 200, { status: 'success', complete: true, ...result, receivedBytes: deps.link.receivedBytes });
    } finally {
      await w.close();
    }
  };

  const get = async (_req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
    const id = params.id ?? '';
    if (!idRe.test(id)) return sendFailed(res, 400, 'Invalid delta id');
    const done = results.get(id);
    if (done) return sendJson(res, 200, { status: 'success', id, complete: true, ...done });
    sendJson(res, 200, { status: 'success', id, complete: false, offset: await held(id) });
  };

  const del = async (_req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => {
    const id = params.id ?? '';
    if (!idRe.test(id)) return sendFailed(res, 400, 'Invalid delta id');
    const w = await (await store()).writer(`delta-${id}`);
    await w.abort();
    results.delete(id);
    sendJson(res, 200, { status: 'success' });
  };

  return [
    { method: 'PUT', path: '/v2/edgepush/deltas/:id', handler: put },
    { method: 'GET', path: '/v2/edgepush/deltas/:id', handler: get },
    { method: 'DELETE', path: '/v2/edgepush/deltas/:id', handler: del },
  ];
}

/** Rebuilds the image into a verified archive (engine codec), then loads it and tags it; bounded in time. */
async function applyReceived(deps: DeltaReceiveDeps, s: ContentStore, id: string, digest: string, tag: string | null): Promise<{ imageId: string; repoTags: string[] }> {
  deps.hub.system(`Applying delta '${id}'${tag ? ` for '${tag}'` : ''}`);
  const archive = join(deps.dataDir, `${id}.image.tar`);
  try {
    const header = await readImageDeltaHeader(s.blobPath(digest));
    const basis = header.basis ? { docker: deps.docker, ref: header.basis.imageId } : undefined;
    const budgetMs = 60000 + header.target.archiveSize / 1000; // 1 s per MB beyond a minute
    const r = await withDeadline(applyImageDelta({ delta: s.blobPath(digest), basis, outputPath: archive }), budgetMs, `applying delta '${id}' stalled`);
    await loadArchive(deps.docker, archive);
    const info = (await deps.docker.getImage(r.imageId).inspect()) as { Id: string };
    if (info.Id !== header.target.imageId) throw new EdgePushError('corrupt', `loaded image ${info.Id} is not the delta target ${header.target.imageId}`);
    const repoTags: string[] = [];
    if (tag) {
      const scoped = deps.scope.scopedImage(tag.includes(':') ? tag : `${tag}:latest`);
      const colon = scoped.lastIndexOf(':');
      await deps.docker.getImage(info.Id).tag({ repo: scoped.slice(0, colon), tag: scoped.slice(colon + 1) });
      repoTags.push(deps.scope.unscopedImage(scoped) ?? scoped);
    }
    deps.hub.system(`Applied delta '${id}': image ${info.Id.slice(0, 19)}`);
    deps.onImage();
    return { imageId: info.Id, repoTags };
  } catch (err) {
    deps.hub.system(`Delta '${id}' failed: ${messageOf(err)}`);
    throw err;
  } finally {
    await s.delete(digest);
    await rm(archive, { force: true });
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new EdgePushError('corrupt', message)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

async function loadArchive(docker: Docker, path: string): Promise<void> {
  const stream = (await docker.loadImage(createReadStream(path), { quiet: true })) as unknown as Readable;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = err ?? (out.find((o) => o.error) ? new Error(out.find((o) => o.error)!.error) : null);
      if (failed) reject(new EdgePushError('unavailable', `engine refused the rebuilt image: ${failed.message}`));
      else resolve();
    });
  });
}
