// The match finder's triples kept in growable typed arrays: matched once against old, then written against
// old's prediction (executable transforms), and read as aligned runs to derive the address maps.
import type { BlockWriter } from './blockWriter.js';
import type { AlignedRun } from './executable/addressMap.js';
import type { TripleSink } from './matchFinder.js';

export class TripleList implements TripleSink {
  private data = new Float64Array(4 * 1024);
  private n = 0;

  triple(addLen: number, extraLen: number, newStart: number, oldStart: number): void {
    if (this.n + 4 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const d = this.data;
    d[this.n] = addLen;
    d[this.n + 1] = extraLen;
    d[this.n + 2] = newStart;
    d[this.n + 3] = oldStart;
    this.n += 4;
  }

  /** The add runs, as aligned runs of old and new. */
  runs(): AlignedRun[] {
    const out: AlignedRun[] = [];
    for (let i = 0; i < this.n; i += 4) {
      if (this.data[i]! > 0) out.push({ oldOffset: this.data[i + 3]!, newOffset: this.data[i + 2]!, length: this.data[i]! });
    }
    return out;
  }

  /** Where in old the last add run ends (0 when there is none). */
  lastOldEnd(): number {
    for (let i = this.n - 4; i >= 0; i -= 4) if (this.data[i]! > 0) return this.data[i + 3]! + this.data[i]!;
    return 0;
  }

  replay(writer: BlockWriter): void {
    const d = this.data;
    for (let i = 0; i < this.n; i += 4) writer.triple(d[i]!, d[i + 1]!, d[i + 2]!, d[i + 3]!);
  }
}
