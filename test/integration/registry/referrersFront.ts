// A stand-in for a registry with the OCI 1.1 referrers API, in front of the real one: no registry with that API
// (distribution 3, zot, Harbor 2.8+) can be installed here from Debian or npm, and Debian's distribution 2.8
// has none. Everything is forwarded to the real registry unchanged, except that a manifest PUT carrying a
// `subject` is remembered and answered with `OCI-Subject` (as a 1.1 registry does), and
// `GET /v2/<name>/referrers/<digest>[?artifactType=]` lists what was remembered, as an image index with the
// manifests' artifactType and annotations. The client's side of the wire is what this exercises.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Referrer {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface ReferrersFront {
  url: string;
  referrersAsked: number;
  close(): Promise<void>;
}

export async function startReferrersFront(address: string, upstream: string): Promise<ReferrersFront> {
  const bySubject = new Map<string, Referrer[]>();
  const front: ReferrersFront = { url: '', referrersAsked: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://front');
        const ref = /^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
        if (req.method === 'GET' && ref) {
          front.referrersAsked++;
          const want = url.searchParams.get('artifactType');
          const list = (bySubject.get(ref[2]!) ?? []).filter((r) => !want || r.artifactType === want);
          res.writeHead(200, {
            'Content-Type': 'application/vnd.oci.image.index.v1+json',
            ...(want ? { 'OCI-Filters-Applied': 'artifactType' } : {}),
          });
          res.end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: list }));
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host') headers[k] = v;
        const up = await fetch(`${upstream}${req.url}`, {
          method: req.method,
          headers,
          body: body.length ? body : undefined,
          redirect: 'manual',
        });
        const out: Record<string, string> = {};
        up.headers.forEach((v, k) => {
          out[k] = k === 'location' ? v.replace(upstream, front.url) : v;
        });
        const isManifestPut = req.method === 'PUT' && /\/manifests\//.test(url.pathname);
        if (isManifestPut && up.status === 201) {
          const m = JSON.parse(body.toString('utf8')) as {
            subject?: { digest: string };
            artifactType?: string;
            annotations?: Record<string, string>;
            mediaType: string;
          };
          if (m.subject) {
            const digest = out['docker-content-digest']!;
            const list = (bySubject.get(m.subject.digest) ?? []).filter((r) => r.digest !== digest);
            list.push({ mediaType: m.mediaType, digest, size: body.length, artifactType: m.artifactType, annotations: m.annotations });
            bySubject.set(m.subject.digest, list);
            out['oci-subject'] = m.subject.digest;
          }
        }
        delete out['content-encoding'];
        delete out['transfer-encoding'];
        const data = Buffer.from(await up.arrayBuffer());
        if (req.method !== 'HEAD') out['content-length'] = String(data.length);
        res.writeHead(up.status, out);
        res.end(req.method === 'HEAD' ? undefined : data);
      })().catch((err: unknown) => {
        res.writeHead(502);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, address, r));
  front.url = `http://${address}:${(server.address() as AddressInfo).port}`;
  front.close = () => new Promise((r) => server.close(() => r()));
  return front;
}
