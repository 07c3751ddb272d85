// Delta receive: `PUT /v2/edgepush/deltas/:id` takes an image delta made by the embedded engine
// (simulator/engine), resumable by offset, throttled by the device link. The bytes go into a content store
// ingest; once complete and matching its sha256 digest the delta is applied (deltaApply.ts) and the image
// appears under the requested `local_*` tag, scoped to this device like builds. Then the reconciler looks again.
//
// One upload per id at a time: a new PUT for an id whose upload is still held (a client that was killed, its
// socket not yet noticed behind the throttled link) takes the ingest over at once, so a retry never waits.
import { join } from 'node:path';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { ContentStore, type ContentWriter } from '../engine/contentStore.js';
import { freeDiskBytes } from '../engine/freeResources.js';
import type { DeviceScope } from './scope.js';
import { isLocalName } from './scope.js';
import type { Link } from './link.js';
import type { UpdateEventBus } from './updateEventBus.js';
import type { LogHub } from './logHub.js';
import { sendJson, sendFailed, type Route } from './http.js';
import { applyReceivedDelta, type AppliedDelta, type DeltaApplyDeps } from './deltaApply.js';
import { invalidInput, locked, tooLarge } from '../shared/errors.js';
import { formatBytes } from '../shared/units.js';

export interface DeltaReceiveDeps extends DeltaApplyDeps {
  scope: DeviceScope;
  link: Link;
  events: UpdateEventBus;
  hub: LogHub;
  onImage(): void;
}

const idRe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;
const digestRe = /^sha256:[0-9a-f]{64}$/;
/** Left free on the device's disk when a delta is received. */
const DISK_RESERVE = 256 << 20;
/** Completed ids remembered for GET. */
const KEEP_RESULTS = 100;

/** `bytes START-END/TOTAL` or `bytes START-*\/TOTAL`-ish forms; returns start and total. */
export function parseContentRange(h: string | undefined): { start: number; total: number | null } | undefined {
  if (!h) return undefined;
  const m = /^bytes\s+(\d{1,16})-(?:\d{1,16})?\/(\d{1,16}|\*)$/.exec(h.trim());
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

interface Upload {
  req: IncomingMessage;
  writer: ContentWriter;
  released: Promise<void>;
}

/** Removes what a crash during an apply left: work directories, rebuilt archives and half-written temp files. */
function cleanLeftovers(dir: string): void {
  rmSync(join(dir, 'work'), { recursive: true, force: true });
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.image.tar') || (f.startsWith('.') && f.endsWith('.tmp'))) rmSync(join(dir, f), { force: true });
  }
}

export function deltaRoutes(deps: DeltaReceiveDeps): Route[] {
  mkdirSync(deps.dataDir, { recursive: true });
  cleanLeftovers(deps.dataDir);
  let storeP: Promise<ContentStore> | undefined;
  const store = () => (storeP ??= ContentStore.open(deps.dataDir));
  const results = new Map<string, AppliedDelta>();
  const uploads = new Map<string, Upload>();

  /** Ends an upload that still holds `id` (its client is gone or gave up) and waits until it let go. */
  const takeOver = async (id: string): Promise<void> => {
    const old = uploads.get(id);
    if (!old) return;
    old.req.destroy();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((_r, reject) => {
      timer = setTimeout(() => reject(locked(`delta ${id} is still being written; try again`)), 10_000);
    });
    await Promise.race([old.released, timeout]).finally(() => clearTimeout(timer));
  };

  const held = async (id: string): Promise<number> => {
    const active = uploads.get(id);
    if (active) return active.writer.offset;
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
    if (tag !== null && !isLocalName(tag)) {
      throw invalidInput(
        `tag '${tag}' is not a local_* name: a device tags images only in its own namespace (local_<service>, as balena push names them)`,
      );
    }
    const digest = url.searchParams.get('digest') ?? (req.headers['x-delta-digest'] as string | undefined) ?? null;
    if (digest !== null && !digestRe.test(digest)) return sendFailed(res, 400, 'Invalid digest (expected sha256:<64 hex>)');
    const sizeParam = url.searchParams.get('size');
    const total = range?.total ?? (sizeParam !== null ? Number(sizeParam) : Number(req.headers['content-length'] ?? NaN));
    if (!Number.isSafeInteger(total) || total < 0) return sendFailed(res, 400, 'Unknown delta size: send Content-Range or ?size=');
    const start = range?.start ?? 0;
    const free = await freeDiskBytes(deps.dataDir);
    if (total + DISK_RESERVE > free) {
      req.resume();
      throw tooLarge(`a delta of ${formatBytes(total)} does not fit: ${formatBytes(free)} free on the device's disk`);
    }
    await takeOver(id);
    const s = await store();
    let w: ContentWriter;
    try {
      w = await s.writer(`delta-${id}`);
    } catch (err) {
      req.resume();
      throw err;
    }
    let release!: () => void;
    const upload: Upload = { req, writer: w, released: new Promise<void>((r) => (release = r)) };
    uploads.set(id, upload);
    try {
      if (start !== w.offset) {
        req.resume();
        const at = w.offset;
        await w.close(); // before replying: the client's next request may come at once
        if (at > 0) res.setHeader('Range', `bytes=0-${at - 1}`);
        return sendJson(res, 416, { status: 'failed', message: `resume at offset ${at}`, offset: at });
      }
      let bytes = w.offset;
      const emit = (done: boolean) => deps.events.emit({ type: 'transfer', kind: 'delta', id, bytes, total, done });
      let lastEmit = 0;
      await pipeline(
        req,
        deps.link.inbound(),
        new Writable({
          write(chunk: Buffer, _e, cb) {
            if (bytes + chunk.length > total) return cb(invalidInput(`more bytes than the declared size ${total}`));
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
      // The ingest is committed: a new upload of this id may start while this one applies.
      uploads.delete(id);
      release();
      emit(true);
      const result = await applyReceivedDelta(deps, s, id, digest, tag);
      results.set(id, result);
      if (results.size > KEEP_RESULTS) results.delete(results.keys().next().value!);
      sendJson(res, 200, { status: 'success', complete: true, ...result, receivedBytes: deps.link.receivedBytes });
    } finally {
      await w.close();
      if (uploads.get(id) === upload) uploads.delete(id);
      release();
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
    await takeOver(id);
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
