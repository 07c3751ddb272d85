// Free memory and free disk, checked before work that declares how much it will need (a delta's result, an
// upload's size): refusing at the start is cheap, running out part way is not. Kept apart from the codecs so
// the small CLI bundle (delta apply) can use it without zod.
import { statfs } from 'node:fs/promises';
import { freemem } from 'node:os';
import { tooLarge } from '../shared/errors.js';
import { formatBytes } from '../shared/units.js';

/** Left free on the disk and in memory after the work, so the machine stays usable. */
const RESERVE_BYTES = 256 << 20;

/** Free bytes on the filesystem holding `dir`. */
export async function freeDiskBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Refuses (`too-large`) when the memory or the disk under `dir` cannot take `needs`, with room to spare. */
export async function checkFreeResources(needs: { memoryBytes?: number; diskBytes?: number }, dir?: string): Promise<void> {
  if (needs.memoryBytes !== undefined) {
    const free = freemem();
    if (needs.memoryBytes + RESERVE_BYTES > free) {
      throw tooLarge(`applying this delta needs about ${formatBytes(needs.memoryBytes)} of memory; ${formatBytes(free)} is free`);
    }
  }
  if (needs.diskBytes !== undefined && dir !== undefined) {
    const free = await freeDiskBytes(dir);
    if (needs.diskBytes + RESERVE_BYTES > free) {
      throw tooLarge(`this needs ${formatBytes(needs.diskBytes)} of disk in ${dir}; ${formatBytes(free)} is free`);
    }
  }
}
