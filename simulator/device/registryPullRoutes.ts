// Where delta-aware pulls meet the device's servers: `POST /images/create?fromImage=HOST:PORT/app&tag=v2` on the
// engine endpoint (what `docker pull` sends) is answered by the device itself, in the engine's JSON progress
// format, when the image is a registry reference (other names go to the engine as before); and
// `GET /v2/edgepush/pulls` on the supervisor API says what each pull fetched.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRegistryRef } from '../registry/reference.js';
import { messageOf } from '../shared/errors.js';
import { hasTagOrDigest } from '../shared/imageRef.js';
import { sendJson, type Route } from './http.js';
import type { RegistryPuller } from './registryPull.js';

/** The reference a `POST /images/create` names, when it is a registry pull this device handles. */
export function pullReferenceOf(method: string, rawUrl: string): string | undefined {
  if (method !== 'POST') return undefined;
  let url: URL;
  try {
    url = new URL(rawUrl, 'http://engine');
  } catch {
    return undefined;
  }
  if (!/^(\/v\d+(?:\.\d+)?)?\/images\/create$/.test(url.pathname)) return undefined;
  const from = url.searchParams.get('fromImage');
  if (!from || !isRegistryRef(from)) return undefined;
  const tag = url.searchParams.get('tag');
  if (!tag || hasTagOrDigest(from)) return from;
  return tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`;
}

/** Answers a registry `POST /images/create` as the engine would: 200 and a stream of JSON progress lines. */
export async function answerPull(puller: RegistryPuller, ref: string, res: ServerResponse, onImagesChanged: () => void): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  const line = (o: unknown) => res.write(`${JSON.stringify(o)}\n`);
  const slash = ref.indexOf('/');
  line({ status: `Pulling from ${ref.slice(slash + 1).replace(/[:@].*$/, '')}`, id: ref.replace(/^.*[:@]/, '') });
  let lastAt = 0;
  try {
    const r = await puller.pull(ref, (phase, bytes, total) => {
      if (Date.now() - lastAt < 250) return;
      lastAt = Date.now();
      line({
        status: phase === 'loading' ? 'Loading' : 'Downloading',
        progressDetail: total ? { current: bytes, total } : { current: bytes },
        id: phase,
      });
    });
    line({
      status: `EdgePush: ${r.method === 'none' ? 'nothing fetched' : `${r.method === 'delta' ? 'delta' : 'layer pull'}, ${r.bytesFetched} bytes fetched`}`,
    });
    line({ status: `Digest: ${r.manifestDigest}` });
    line({ status: r.method === 'none' ? `Status: Image is up to date for ${ref}` : `Status: Downloaded newer image for ${ref}` });
    if (r.method !== 'none') onImagesChanged();
  } catch (err) {
    line({ errorDetail: { message: messageOf(err) }, error: messageOf(err) });
  }
  res.end();
}

/** Handles the request when it is a registry pull; false hands it back to the engine proxy. */
export function registryPullHook(
  puller: RegistryPuller,
  onImagesChanged: () => void,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const ref = pullReferenceOf(req.method ?? 'GET', req.url ?? '/');
    if (!ref) return false;
    req.resume();
    void answerPull(puller, ref, res, onImagesChanged);
    return true;
  };
}

export function pullRoutes(puller: RegistryPuller): Route[] {
  return [
    { method: 'GET', path: '/v2/edgepush/pulls', handler: (_req, res) => sendJson(res, 200, { status: 'success', pulls: puller.history }) },
  ];
}
