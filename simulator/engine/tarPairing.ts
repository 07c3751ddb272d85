// Tar-aware alignment: when old and new are both tars, each new entry is paired with the old entry of the same
// path (headers with headers, data with data), so the codec diffs a changed file against its old version and
// an unchanged file is one exact match.
import { readTarLayout } from './tarLayout.js';
import type { AlignmentHint } from './matchFinder.js';

export interface TarPairing {
  hints: AlignmentHint[];
  /** Old data ranges identical to their new counterpart: reachable through the hints, no need to index. */
  unchangedOld: [number, number][];
}

export function pairTarEntries(old: Uint8Array, next: Uint8Array): TarPairing {
  const oldEntries = readTarLayout(old);
  const newEntries = readTarLayout(next);
  if (!oldEntries || !newEntries) return { hints: [], unchangedOld: [] };
  const byPath = new Map(oldEntries.map((e) => [e.path, e]));
  const hints: AlignmentHint[] = [];
  const unchangedOld: [number, number][] = [];
  for (const e of newEntries) {
    const o = byPath.get(e.path);
    if (!o) continue;
    hints.push({ newStart: e.metaStart, newEnd: e.dataStart, oldStart: o.metaStart });
    if (e.size > 0 && o.size > 0) hints.push({ newStart: e.dataStart, newEnd: e.dataStart + e.size, oldStart: o.dataStart });
    if (
      e.size >= 4096 &&
      e.size === o.size &&
      Buffer.compare(old.subarray(o.dataStart, o.dataStart + o.size), next.subarray(e.dataStart, e.dataStart + e.size)) === 0
    ) {
      unchangedOld.push([o.dataStart, o.dataStart + o.size]);
    }
  }
  return { hints, unchangedOld };
}
