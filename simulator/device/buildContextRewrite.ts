// A build context on its way from a client (the balena CLI, docker) to the engine, with its Dockerfile edited: a
// device of another arch than amd64 turns plain `FROM edgepush-base/busybox` into its own arch's base image and
// makes the EdgePush base images the Dockerfile names before the engine reads it (the engine reads the whole
// context before it builds, so the stream may pause meanwhile). Other entries pass through unchanged; a
// gzip-compressed context passes through whole.
import { Transform, Duplex, type TransformCallback } from 'node:stream';
import { posix } from 'node:path';
import { extract as tarExtract, pack as tarPack, type Header } from 'tar-stream';

const normalize = (p: string) =>
  posix
    .normalize(p.replace(/\\/g, '/'))
    .replace(/^\.\/+/, '')
    .replace(/^\/+/, '');

function tarRewriter(dockerfile: string, edit: (text: string) => Promise<string>): Duplex {
  const target = normalize(dockerfile);
  const extract = tarExtract();
  const pack = tarPack();
  extract.on('entry', (header: Header, stream, next) => {
    if (header.type === 'file' && normalize(header.name) === target) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        void edit(text)
          .catch(() => text)
          .then((out) => {
            const body = Buffer.from(out);
            pack.entry({ ...header, size: body.length }, body, next);
          });
      });
    } else stream.pipe(pack.entry(header, next));
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (err) => pack.destroy(err));
  return Duplex.from({ writable: extract, readable: pack });
}

/** A Transform over the context stream that edits the Dockerfile named `dockerfile` (build's `dockerfile`). */
export function rewriteBuildContext(dockerfile: string, edit: (text: string) => Promise<string>): Transform {
  let inner: Duplex | undefined;
  let passThrough = false;
  let ended: (() => void) | undefined;
  const t = new Transform({
    transform(chunk: Buffer, _e, cb: TransformCallback) {
      if (!inner && !passThrough) {
        passThrough = chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
        if (!passThrough) {
          inner = tarRewriter(dockerfile, edit);
          inner.on('data', (d: Buffer) => t.push(d));
          inner.on('end', () => ended?.());
          inner.on('error', (err) => t.destroy(err));
        }
      }
      if (passThrough) return cb(null, chunk);
      inner!.write(chunk, () => cb());
    },
    flush(cb: TransformCallback) {
      if (!inner) return cb();
      ended = () => cb();
      inner.end();
    },
  });
  return t;
}
