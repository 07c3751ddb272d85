// A small OCI distribution (spec 1.1) client on node:http (httpRequest.ts): manifests, blobs (monolithic upload, existence
// checks, ranged reads), tags and the referrers API. Written here rather than taken from npm: the maintained
// Node clients are read-only and HTTPS-only (@snyk/docker-registry-v2-client) or attach one kind of artifact
// and need Node 22 (@sigstore/oci); none pushes images or speaks plain HTTP to a loopback registry.
// Every body byte received is counted (what a device fetched; registry egress as the client saw it).
import { createHash } from 'node:crypto';
import { EdgePushError, conflict, corrupt, notFound, unavailable } from '../shared/errors.js';
import { answerChallenge, basicHeader, parseChallenge } from './registryAuth.js';
import type { RegistryAddress } from './reference.js';
import {
  BodySourceError,
  bodySize,
  httpRequest,
  type HttpBody,
  type HttpResponse,
  type RequestBody,
  type StreamedBody,
} from './httpRequest.js';
import { MANIFEST_ACCEPT, imageIndexSchema, tagListSchema, type Descriptor } from './ociSchemas.js';

export interface RegistryClientOptions {
  /** Per request (not per blob body); default 30 s. */
  timeoutMs?: number;
  /** Called with each body chunk's size as it arrives. */
  onBytes?(n: number): void;
  /** Awaited for each body chunk before it is used: a device's link paces what it receives. */
  pace?(n: number): Promise<void>;
}

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface FetchedManifest extends ManifestHead {
  bytes: Buffer;
}

const MAX_MANIFEST = 4 << 20;

const chunksOf = (body: HttpBody): AsyncIterable<Uint8Array> => body;

export const sha256Digest = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The message a registry puts in its `{"errors":[{code,message}]}` body, when it does. */
async function registryError(res: HttpResponse): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const e = body.errors?.[0];
    if (e) return `${e.code ?? ''}${e.message ? `: ${e.message}` : ''}`.replace(/^: /, '');
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 200) || `HTTP ${res.status}`;
}

export class RegistryClient {
  private auth: string | undefined;
  private received = 0;
  private sent = 0;

  constructor(
    readonly address: RegistryAddress,
    private readonly opts: RegistryClientOptions = {},
  ) {
    this.auth = basicHeader(address);
  }

  /** Body bytes received from the registry so far. */
  get bytesReceived(): number {
    return this.received;
  }

  /** Body bytes sent (blob and manifest uploads). */
  get bytesSent(): number {
    return this.sent;
  }

  private async take(n: number): Promise<void> {
    if (this.opts.pace) await this.opts.pace(n);
    this.received += n;
    this.opts.onBytes?.(n);
  }

  /** One request, answering an auth challenge once. Network failures become `unavailable`. */
  async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: RequestBody; signal?: AbortSignal; noTimeout?: boolean } = {},
  ): Promise<HttpResponse> {
    const url = path.startsWith('http') ? path : `${this.address.baseUrl}${path}`;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...init.headers };
      if (this.auth) headers.Authorization = this.auth;
      const timeout = init.noTimeout ? undefined : AbortSignal.timeout(this.opts.timeoutMs ?? 30000);
      const signal = timeout && init.signal ? AbortSignal.any([timeout, init.signal]) : (timeout ?? init.signal);
      let res: HttpResponse;
      try {
        res = await httpRequest(url, { method, headers, body: init.body, signal });
      } catch (err) {
        if (init.signal?.aborted) throw new EdgePushError('cancelled', 'cancelled');
        if (err instanceof BodySourceError)
          throw err.cause instanceof EdgePushError ? err.cause : new EdgePushError('internal', err.message, { cause: err.cause });
        const code = (err as NodeJS.ErrnoException).code;
        throw unavailable(`registry ${this.address.host} does not answer (${code ?? (err as Error).message})`, err);
      }
      if (res.status === 401 && attempt === 0) {
        const challenge = parseChallenge(res.headers.get('www-authenticate'));
        await res.body?.cancel();
        const answer = challenge ? await answerChallenge(this.address, challenge, init.signal) : undefined;
        if (!answer)
          throw conflict(`registry ${this.address.host} refused: authentication required (give credentials as http://USER:PASS@HOST)`);
        this.auth = answer;
        continue;
      }
      if (init.body) this.sent += bodySize(init.body);
      return res;
    }
  }

  private async fail(res: HttpResponse, what: string): Promise<never> {
    const msg = await registryError(res);
    if (res.status === 404) throw notFound(`${what}: not found in registry ${this.address.host} (${msg})`);
    if (res.status >= 500) throw unavailable(`${what}: registry ${this.address.host} failed (HTTP ${res.status}: ${msg})`);
    throw conflict(`${what}: registry ${this.address.host} refused (HTTP ${res.status}: ${msg})`);
  }

  /** Reads a body up to `limit` bytes, counting them. */
  private async readBody(res: HttpResponse, limit: number, what: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    if (res.body) {
      for await (const c of chunksOf(res.body)) {
        const b = Buffer.from(c as Uint8Array);
        size += b.length;
        await this.take(b.length);
        if (size > limit) {
          await res.body.cancel().catch(() => undefined);
          throw corrupt(`${what}: more than ${limit} bytes`);
        }
        chunks.push(b);
      }
    }
    return Buffer.concat(chunks);
  }

  /** `GET /v2/`: the registry answers and speaks distribution v2. */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.request('GET', '/v2/', { signal });
    await res.body?.cancel();
    if (!res.ok) throw unavailable(`registry ${this.address.host} answered HTTP ${res.status} to /v2/`);
  }

  async headManifest(repo: string, reference: string, signal?: AbortSignal): Promise<ManifestHead | null> {
    const res = await this.request('HEAD', `/v2/${repo}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (res.status === 404) return null;
    if (!res.ok) return this.fail(res, `manifest ${repo}:${reference}`);
    const digest = res.headers.get('docker-content-digest');
    if (!digest) {
      // a registry that does not say the digest on HEAD: fetch the manifest to know it
      const m = await this.getManifest(repo, reference, signal);
      return { digest: m.digest, mediaType: m.mediaType, size: m.size };
    }
    return { digest, mediaType: res.headers.get('content-type') ?? '', size: Number(res.headers.get('content-length') ?? 0) };
  }

  /** The manifest bytes, digest-checked: against the reference when it is a digest, else against the
   *  registry's Docker-Content-Digest header. */
  async getManifest(repo: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const res = await this.request('GET', `/v2/${repo}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (!res.ok) return this.fail(res, `manifest ${repo}:${reference}`);
    const bytes = await this.readBody(res, MAX_MANIFEST, `manifest ${repo}:${reference}`);
    const digest = sha256Digest(bytes);
    const claimed = reference.startsWith('sha256:') ? reference : res.headers.get('docker-content-digest');
    if (claimed && claimed !== digest) throw corrupt(`manifest ${repo}:${reference} does not match its digest (${claimed}, got ${digest})`);
    let mediaType = res.headers.get('content-type') ?? '';
    try {
      mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? mediaType;
    } catch {
      throw corrupt(`manifest ${repo}:${reference} is not JSON`);
    }
    return { bytes, digest, mediaType, size: bytes.length };
  }

  /** Pushes a manifest under a tag or its digest; returns its digest and whether the registry took the
   *  subject itself (`OCI-Subject`: it has the referrers API, no tag fallback needed). */
  async putManifest(
    repo: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<{ digest: string; subjectHandled: boolean }> {
    const res = await this.request('PUT', `/v2/${repo}/manifests/${reference}`, {
      headers: { 'Content-Type': mediaType },
      body: bytes,
      signal,
    });
    if (!res.ok) return this.fail(res, `pushing manifest ${repo}:${reference}`);
    await res.body?.cancel();
    const digest = sha256Digest(bytes);
    const said = res.headers.get('docker-content-digest');
    if (said && said !== digest) throw corrupt(`registry stored manifest ${repo}:${reference} as ${said}, expected ${digest}`);
    return { digest, subjectHandled: res.headers.has('oci-subject') };
  }

  async deleteManifest(repo: string, digest: string): Promise<void> {
    const res = await this.request('DELETE', `/v2/${repo}/manifests/${digest}`);
    if (!res.ok && res.status !== 404) return this.fail(res, `deleting manifest ${repo}@${digest}`);
    await res.body?.cancel();
  }

  async hasBlob(repo: string, digest: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.request('HEAD', `/v2/${repo}/blobs/${digest}`, { signal });
    await res.body?.cancel();
    if (res.status === 404) return false;
    if (!res.ok) return this.fail(res, `blob ${repo}@${digest}`);
    return true;
  }

  /** A blob's bytes from `offset` on (a ranged GET when offset > 0), as a counted stream. The caller checks
   *  the digest of the whole. Resolves with the offset the registry actually honoured (0 if it ignored Range). */
  async blobStream(
    repo: string,
    digest: string,
    offset = 0,
    signal?: AbortSignal,
  ): Promise<{ offset: number; total: number | null; body: AsyncIterable<Uint8Array> }> {
    const res = await this.request('GET', `/v2/${repo}/blobs/${digest}`, {
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      signal,
      noTimeout: true,
    });
    if (!res.ok) return this.fail(res, `blob ${repo}@${digest}`);
    const from = res.status === 206 ? offset : 0;
    const len = res.headers.get('content-length');
    const total = len !== null ? from + Number(len) : null;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    async function* counted(): AsyncGenerator<Uint8Array> {
      if (!res.body) return;
      for await (const c of chunksOf(res.body)) {
        await self.take(c.length);
        yield c as Uint8Array;
      }
    }
    return { offset: from, total, body: counted() };
  }

  /** A whole small blob (config, delta index), digest-checked. */
  async getBlob(repo: string, digest: string, limit: number, signal?: AbortSignal): Promise<Buffer> {
    const res = await this.request('GET', `/v2/${repo}/blobs/${digest}`, { signal });
    if (!res.ok) return this.fail(res, `blob ${repo}@${digest}`);
    const bytes = await this.readBody(res, limit, `blob ${repo}@${digest}`);
    if (sha256Digest(bytes) !== digest) throw corrupt(`blob ${repo}@${digest} does not match its digest`);
    return bytes;
  }

  /** Uploads a blob unless the registry has it: `'exists'` (skipped) or `'pushed'`. One PUT (monolithic), its
   *  body from memory or streamed (a file of any size: `StreamedBody`). */
  async pushBlob(repo: string, digest: string, data: Buffer | StreamedBody, signal?: AbortSignal): Promise<'exists' | 'pushed'> {
    if (await this.hasBlob(repo, digest, signal)) return 'exists';
    const start = await this.request('POST', `/v2/${repo}/blobs/uploads/`, { signal });
    if (start.status !== 202) return this.fail(start, `starting upload to ${repo}`);
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (!location) throw unavailable(`registry ${this.address.host} gave no upload location`);
    const url = new URL(location, this.address.baseUrl);
    url.searchParams.set('digest', digest);
    let put: HttpResponse;
    try {
      put = await this.request('PUT', url.toString(), {
        headers: { 'Content-Type': 'application/octet-stream' },
        body: data,
        signal,
        noTimeout: true,
      });
    } catch (err) {
      const what = `uploading blob ${digest.slice(0, 19)}… to ${repo} failed`;
      // the registry went away (or its connection broke) while the blob was on its way
      if (EdgePushError.is(err, 'unavailable')) throw unavailable(`${what}: ${err.message}`, err);
      // the blob's own file could not be read: this side's fault, named as such
      if (EdgePushError.is(err, 'internal')) throw new EdgePushError('internal', `${what}: ${err.message}`, { cause: err });
      throw err;
    }
    if (put.status !== 201) return this.fail(put, `uploading blob ${digest.slice(0, 19)} to ${repo}`);
    await put.body?.cancel();
    return 'pushed';
  }

  /** `GET /v2/<repo>/referrers/<digest>`: the referrers, or null when the registry has no referrers API. */
  async referrers(repo: string, digest: string, artifactType?: string, signal?: AbortSignal): Promise<Descriptor[] | null> {
    const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : '';
    const res = await this.request('GET', `/v2/${repo}/referrers/${digest}${q}`, {
      headers: { Accept: 'application/vnd.oci.image.index.v1+json' },
      signal,
    });
    if (res.status === 404 || res.status === 405 || res.status === 400) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) return this.fail(res, `referrers of ${repo}@${digest}`);
    const index = imageIndexSchema.safeParse(JSON.parse((await this.readBody(res, MAX_MANIFEST, 'referrers')).toString('utf8')));
    if (!index.success) throw corrupt(`referrers of ${repo}@${digest}: not an image index`);
    return index.data.manifests;
  }

  async listTags(repo: string, signal?: AbortSignal): Promise<string[]> {
    const res = await this.request('GET', `/v2/${repo}/tags/list`, { signal });
    if (res.status === 404) {
      await res.body?.cancel();
      return [];
    }
    if (!res.ok) return this.fail(res, `tags of ${repo}`);
    const parsed = tagListSchema.safeParse(JSON.parse((await this.readBody(res, MAX_MANIFEST, 'tags')).toString('utf8')));
    if (!parsed.success) throw corrupt(`tags of ${repo}: unexpected answer`);
    return parsed.data.tags ?? [];
  }
}
