// One image build through a Docker Engine API (the device's on :2375, or this machine's), as `balena push`
// does it: `POST /build` with the tar context, tag, labels, cachefrom and forcerm. Build output is streamed
// line by line; a build error becomes an EdgePushError carrying the engine's message.
import { Transform, type Readable } from 'node:stream';
import type Docker from 'dockerode';
import * as z from 'zod';
import { cancelled, EdgePushError, messageOf, unavailable } from '../../shared/errors.js';
import { BuildkitTrace } from './buildkitTrace.js';

export class BuildFailure extends EdgePushError {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super('internal', `service '${service}': build failed: ${message}`);
    this.name = 'BuildFailure';
  }
}

const buildMessageSchema = z.looseObject({
  /** `moby.buildkit.trace` (aux: base64 protobuf) or `moby.image.id` (aux: {ID}) with BuildKit. */
  id: z.string().optional(),
  stream: z.string().optional(),
  status: z.string().optional(),
  error: z.string().optional(),
  errorDetail: z.looseObject({ message: z.string().optional() }).optional(),
  aux: z.union([z.string(), z.looseObject({ ID: z.string().optional() })]).optional(),
});

export interface EngineBuildOptions {
  service: string;
  /** The build context as a tar stream (read once), and about how many bytes it has (for progress). */
  context: Readable;
  contextBytes: number;
  tag: string;
  dockerfile: string;
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  /** Build without the cache (`--nocache`). */
  nocache?: boolean;
  /** Pull newer base images (`--pull`). */
  pull?: boolean;
  cacheFrom?: string[];
  platform?: string;
  /** compose `build.target`, `build.extra_hosts` (`host:ip`), `build.shm_size` (bytes). */
  target?: string;
  extraHosts?: string[];
  shmSize?: number;
  /** Build with BuildKit (`version=2`): needed for `RUN --mount` (build secrets); its progress is decoded. */
  buildkit?: boolean;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  /** Bytes of the context sent so far. */
  onUpload?: (sent: number, total: number) => void;
}

export interface EngineBuildResult {
  imageId: string;
  /** Seconds from the start until the engine had read the whole context. */
  uploadSeconds: number;
}

/** Builds and returns the new image id (`sha256:...`). */
export async function buildOnEngine(docker: Docker, o: EngineBuildOptions): Promise<EngineBuildResult> {
  if (o.signal?.aborted) throw cancelled();
  const started = performance.now();
  let uploadedAt = started;
  let sent = 0;
  let contextError: unknown;
  o.context.once('error', (err) => (contextError ??= err));
  const ctx = o.context.pipe(
    new Transform({
      transform(c: Buffer, _e, cb) {
        sent += c.length;
        o.onUpload?.(sent, Math.max(sent, o.contextBytes));
        cb(null, c);
      },
      flush(cb) {
        uploadedAt = performance.now();
        cb();
      },
    }),
  );
  // pipe() does not pass errors on: a file of the context that cannot be read ends the upload with its error.
  o.context.once('error', (err) => ctx.destroy(err));
  let stream: NodeJS.ReadableStream;
  try {
    stream = await postBuild(
      docker,
      ctx,
      {
        t: o.tag,
        dockerfile: o.dockerfile,
        labels: o.labels,
        buildargs: o.buildArgs,
        forcerm: true,
        pull: o.pull ?? false,
        nocache: o.nocache ?? false,
        ...(o.cacheFrom && o.cacheFrom.length > 0 ? { cachefrom: JSON.stringify(o.cacheFrom) } : {}),
        ...(o.platform ? { platform: o.platform } : {}),
        ...(o.target ? { target: o.target } : {}),
        ...(o.extraHosts && o.extraHosts.length > 0 ? { extrahosts: o.extraHosts } : {}),
        ...(o.shmSize ? { shmsize: o.shmSize } : {}),
        ...(o.buildkit ? { version: '2' } : {}),
      },
      o.signal,
    );
  } catch (err) {
    if (o.signal?.aborted) throw cancelled();
    if (contextError) throw contextError;
    throw engineError(o.service, err);
  }
  let imageId: string | undefined;
  let failure: string | undefined;
  const trace = o.buildkit ? new BuildkitTrace() : undefined;
  await new Promise<void>((resolve, reject) => {
    // A device that stops answering mid-build (a hung board) never ends its response: the signal ends the wait.
    const onAbort = () => {
      (stream as NodeJS.ReadableStream & { destroy?: (err?: Error) => void }).destroy?.(cancelled());
      reject(cancelled());
    };
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        o.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      },
      (raw: unknown) => {
        const m = buildMessageSchema.safeParse(raw);
        if (!m.success) return;
        const msg = m.data;
        if (msg.error || msg.errorDetail?.message) failure = (msg.errorDetail?.message ?? msg.error)!.trim();
        if (typeof msg.aux === 'string') {
          if (msg.id === 'moby.buildkit.trace') for (const line of trace?.push(msg.aux) ?? []) o.onLine?.(line);
        } else if (msg.aux?.ID) imageId = msg.aux.ID;
        const text = msg.stream ?? msg.status;
        if (text) {
          for (const line of text.split('\n')) {
            if (line.trim()) o.onLine?.(line.replace(/\r$/, ''));
            const built = /^Successfully built ([0-9a-f]{12,64})/.exec(line);
            if (built && !imageId) imageId = built[1];
          }
        }
      },
    );
  }).catch((err: unknown) => {
    if (o.signal?.aborted) throw cancelled();
    if (contextError) throw contextError;
    throw unavailable(`service '${o.service}': build stream broke: ${messageOf(err)}`, err);
  });
  if (failure) throw new BuildFailure(o.service, failure);
  if (o.signal?.aborted) throw cancelled();
  // The tag is authoritative (aux.ID may be absent with old engines).
  const uploadSeconds = (uploadedAt - started) / 1000;
  try {
    const info = await docker.getImage(o.tag).inspect();
    return { imageId: info.Id, uploadSeconds };
  } catch (err) {
    if (imageId) return { imageId: imageId.startsWith('sha256:') ? imageId : `sha256:${imageId}`, uploadSeconds };
    throw new BuildFailure(o.service, `the engine reported success but ${o.tag} is missing (${messageOf(err)})`);
  }
}

/**
 * Why a build request failed: a connection that broke or was refused means the device is gone (`unavailable`,
 * exit 3); an answer from the engine (an HTTP error status) is a failed build (exit 4).
 */
function engineError(service: string, err: unknown): EdgePushError {
  const message = messageOf(err);
  const status = (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status > 0) return new BuildFailure(service, `the engine refused the build (${status}): ${message}`);
  return unavailable(`service '${service}': the engine refused the build: ${message}`, err);
}

/**
 * `POST /build` with the tar body, through the modem (as dockerode's buildImage does). Not buildImage itself:
 * with `version=2` it first opens a BuildKit session (gRPC over `/session`, proto files read from disk at run
 * time), which a build from a tar body does not need and an engine proxy may not pass.
 */
function postBuild(docker: Docker, body: Readable, options: Record<string, unknown>, signal?: AbortSignal): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/build?',
        method: 'POST',
        file: body,
        options,
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 500: 'server error' },
      } as never,
      (err: unknown, stream: unknown) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(stream as NodeJS.ReadableStream),
    );
  });
}

/** Image id of a tag, or undefined when the engine does not have it. */
export async function imageIdOf(docker: Docker, ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch {
    return undefined;
  }
}
