// Builds a small tar in memory: `add` writes entries with tar-stream's pack, the result is the whole archive.
// For build contexts and livepush file batches, which are sent in one request body.
import { pack, type Pack } from 'tar-stream';

export async function tarToBuffer(add: (p: Pack) => Promise<void>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  await add(p);
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}
