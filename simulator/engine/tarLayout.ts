// Reads the entry layout of a tar held in memory (ustar, GNU long names, pax), without extracting anything:
// where each entry's headers and data lie. Used to pair old and new entries by path for the codec (entry
// safety is checked on the streaming side, layerGuard.ts).

export interface TarEntryLayout {
  path: string;
  linkname: string;
  /** '0' file, '1' hard link, '2' symlink, '3' char device, '4' block device, '5' directory, ... */
  type: string;
  /** First header byte of this entry, long-name and pax headers included. */
  metaStart: number;
  dataStart: number;
  size: number;
}

function cstr(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
}

function num(b: Uint8Array, start: number, len: number): number {
  if (b[start]! & 0x80) {
    let v = 0;
    for (let i = 1; i < len; i++) v = v * 256 + b[start + i]!;
    return v;
  }
  const s = cstr(b, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(b: Uint8Array, off: number): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[off + i]!;
  return num(b, off + 148, 8) === sum;
}

function paxRecords(data: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(' ', i);
    if (sp < 0) break;
    const len = parseInt(data.slice(i, sp), 10);
    if (!(len > 0)) break;
    const rec = data.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

/** The entries of a tar (or of several concatenated), or null when the bytes do not start with a valid tar
 *  header. Stops at the first damaged header. */
export function readTarLayout(b: Uint8Array): TarEntryLayout[] | null {
  return readTarLayoutWith(b.length, (off, len) => b.subarray(off, off + len));
}

/** As readTarLayout, reading only headers (and long names) through `read(offset, length)`: for tars on disk
 *  that are larger than memory. */
export function readTarLayoutWith(total: number, read: (offset: number, length: number) => Uint8Array): TarEntryLayout[] | null {
  const out: TarEntryLayout[] = [];
  let off = 0;
  let metaStart = -1;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  while (off + 512 <= total) {
    const h = read(off, 512);
    if (h[0] === 0 && h[156] === 0 && h[148] === 0) {
      // zero block: end of one archive; another may follow (the basis layers are concatenated)
      off += 512;
      continue;
    }
    if (!checksumOk(h, 0)) return out.length === 0 && metaStart < 0 ? null : out;
    if (metaStart < 0) metaStart = off;
    const type = String.fromCharCode(h[156] || 48);
    const size = num(h, 124, 12);
    const dataStart = off + 512;
    if (!Number.isSafeInteger(size) || size < 0 || dataStart + size > total) break;
    const next = dataStart + Math.ceil(size / 512) * 512;
    const body = () => Buffer.from(read(dataStart, Math.min(size, 1 << 20))).toString('utf8');
    if (type === 'L') longName = body().replace(/\0+$/, '');
    else if (type === 'K') longLink = body().replace(/\0+$/, '');
    else if (type === 'x') pax = paxRecords(body());
    else if (type === 'g') metaStart = -1;
    else {
      const magic = cstr(h, 257, 6);
      const prefix = magic.startsWith('ustar') ? cstr(h, 345, 155) : '';
      const name = cstr(h, 0, 100);
      const path = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${name}` : name);
      const linkname = pax.get('linkpath') ?? longLink ?? cstr(h, 157, 100);
      const paxSize = pax.get('size');
      const realSize = paxSize !== undefined ? Number(paxSize) : size;
      out.push({ path, linkname, type, metaStart, dataStart, size: realSize });
      longName = undefined;
      longLink = undefined;
      pax = new Map();
      metaStart = -1;
    }
    off = next;
  }
  return out;
}
