// Large old/new tar pairs written straight to disk (never held in memory), for the bounded-memory test and
// bench:memory: many files of incompressible bytes; in new, one file in twenty rewritten in scattered places
// (a rebuilt program), one in fifty with a block inserted, a few removed and a few added, in tar order.
import { createHash } from 'node:crypto';
import { openSync, writeSync, closeSync } from 'node:fs';

/** Deterministic incompressible bytes, fast (a word at a time): xorshift32 seeded from the name. */
function fill(b: Buffer, seed: string): void {
  let x = createHash('sha256').update(seed).digest().readUInt32LE(0) || 1;
  const words = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  for (let i = words.length * 4; i < b.length; i++) b[i] = i & 0xff;
}

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h[156] = 0x30;
  h.write('ustar\0' + '00', 257, 'latin1');
  let sum = 0;
  for (const x of h) sum += x;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

class TarFile {
  private readonly fd: number;
  bytes = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  add(name: string, data: Buffer): void {
    const pad = (512 - (data.length % 512)) % 512;
    for (const part of [header(name, data.length), data, Buffer.alloc(pad)]) {
      writeSync(this.fd, part);
      this.bytes += part.length;
    }
  }
  close(): void {
    writeSync(this.fd, Buffer.alloc(1024));
    closeSync(this.fd);
  }
}

/** Writes old.tar and new.tar of about `totalBytes` each; returns their sizes. */
export function writeLargePair(
  oldPath: string,
  newPath: string,
  totalBytes: number,
  fileBytes = 4 << 20,
): { oldBytes: number; newBytes: number } {
  const oldTar = new TarFile(oldPath);
  const newTar = new TarFile(newPath);
  const files = Math.max(4, Math.round(totalBytes / fileBytes));
  const data = Buffer.allocUnsafe(fileBytes);
  for (let i = 0; i < files; i++) {
    const name = `data/part-${String(i).padStart(5, '0')}.bin`;
    fill(data, `f${i}`);
    if (i % 97 !== 13) oldTar.add(name, data); // a few files are new in new
    if (i % 89 === 7) continue; // and a few are gone
    if (i % 20 === 3) {
      const changed = Buffer.from(data);
      for (let at = 4096; at < changed.length; at += 3000 + (at % 1000)) changed[at] = changed[at]! ^ 0x5a;
      newTar.add(name, changed);
    } else if (i % 50 === 11) {
      const extra = Buffer.allocUnsafe(64 << 10);
      fill(extra, `ins${i}`);
      newTar.add(name, Buffer.concat([data.subarray(0, fileBytes >> 1), extra, data.subarray(fileBytes >> 1)]));
    } else newTar.add(name, data);
  }
  oldTar.close();
  newTar.close();
  return { oldBytes: oldTar.bytes + 1024, newBytes: newTar.bytes + 1024 };
}
