// Zero-run coding for the diff section, which is mostly zero bytes (exact matches) with scattered non-zero
// ones (changed bytes in approximate matches): pairs (zero run, literal run) as varints, then the literals.
// Shrinks what brotli has to chew through by orders of magnitude on near-identical inputs.
import { ByteSink } from './varint.js';
import { corrupt } from '../shared/errors.js';
import { zeroRunsWasm } from './wasm/zeroRuns.wasm.js';
import { WasmInstances } from './wasmInstances.js';

/** Writes the coding as the diff is produced, so the mostly-zero diff itself is never materialised: a run of
 *  zeros is one call, and a literal run stays open across short zero runs (fewer than 3), which are cheaper
 *  inside it than as a pair of their own. */
export class ZeroRunWriter {
  private readonly out = new ByteSink(4096);
  private readonly literal = new ByteSink(4096);
  private zerosBefore = 0; // zeros before the open literal run (or pending, when none is open)
  private zerosAfter = 0; // zeros after the open literal run's last non-zero byte
  /** Length of the diff written so far. */
  length = 0;

  zeros(count: number): void {
    this.length += count;
    if (this.literal.length === 0) {
      this.zerosBefore += count;
      return;
    }
    this.zerosAfter += count;
    if (this.zerosAfter >= 3) this.closeLiteral();
  }

  /** One diff byte that is not zero. */
  nonZero(b: number): void {
    this.length++;
    for (; this.zerosAfter > 0; this.zerosAfter--) this.literal.byte(0);
    this.literal.byte(b);
  }

  /** The coding of everything written since the last reset. */
  finish(): Uint8Array {
    if (this.literal.length > 0) this.closeLiteral();
    if (this.zerosBefore > 0) {
      this.out.uint(this.zerosBefore);
      this.out.uint(0);
      this.zerosBefore = 0;
    }
    return this.out.bytes();
  }

  reset(): void {
    this.out.reset();
    this.literal.reset();
    this.zerosBefore = 0;
    this.zerosAfter = 0;
    this.length = 0;
  }

  private closeLiteral(): void {
    this.out.uint(this.zerosBefore);
    this.out.uint(this.literal.length);
    this.out.append(this.literal.bytes());
    this.zerosBefore = this.zerosAfter;
    this.zerosAfter = 0;
    this.literal.reset();
  }
}

/** The exports of wasm/zeroRuns.ts. */
interface ZeroRunWasm {
  memory: WebAssembly.Memory;
  heapBase(): number;
  setCoded(section: number, length: number): void;
  setRaw(section: number, length: number): void;
  skipZeros(max: number): number;
  add(buf: number, n: number): number;
  done(): number;
}

// The module's error codes, reported as the JavaScript reader it replaced reported them.
const FAILURES: Record<number, string> = {
  [-1]: 'delta diff section is shorter than its add runs',
  [-2]: 'delta diff section has a literal run past its end',
  [-3]: 'delta control stream ends inside a number',
  [-4]: 'delta control stream holds an oversized number',
};

const checked = (code: number): number => {
  if (code < 0) throw corrupt(FAILURES[code] ?? `delta diff section cannot be read (${code})`);
  return code;
};

// Output bytes added per call: a piece is copied into the module's memory and back.
const PIECE = 64 * 1024;

// An apply reads one diff section per block: one instance (up to 4 MiB of memory) is kept for the next.
const zeroRuns = new WasmInstances<ZeroRunWasm>(zeroRunsWasm, 4 << 20);

/** Reads the coding back while adding the diff onto apply's output, so the diff is never materialised on this
 *  side either: zero runs are skipped, literal bytes added. A section that is not zero-run coded (a raw diff)
 *  reads as one literal run. The loop is WebAssembly (wasm/zeroRuns.ts), which runs at full speed from its first
 *  call: in JavaScript it waited for V8 to optimize it, and a device agent, which has V8 optimize only code that
 *  ran about 75 times V8's default amount of work (AGENT_NODE_FLAGS), spent most of a block there. The section
 *  lies in the module's memory; the output's zero runs are passed over where they are, the rest is added a
 *  piece at a time. Each reader has an instance of its own until `close` (a block's reader waits for the rest
 *  of its block to arrive, while another apply in the same thread may read). */
export class ZeroRunReader {
  private wasm: ZeroRunWasm | undefined;
  private readonly piece: number;

  private constructor(section: Uint8Array, coded: boolean) {
    const wasm = zeroRuns.take();
    this.piece = (wasm.heapBase() + 7) & ~7;
    const at = this.piece + PIECE;
    const need = at + section.length - wasm.memory.buffer.byteLength;
    if (need > 0) wasm.memory.grow(Math.ceil(need / 65536));
    new Uint8Array(wasm.memory.buffer, at, section.length).set(section);
    if (coded) wasm.setCoded(at, section.length);
    else wasm.setRaw(at, section.length);
    this.wasm = wasm;
  }

  static coded(runs: Uint8Array): ZeroRunReader {
    return new ZeroRunReader(runs, true);
  }

  static raw(diff: Uint8Array): ZeroRunReader {
    return new ZeroRunReader(diff, false);
  }

  private get instance(): ZeroRunWasm {
    if (!this.wasm) throw new Error('zero-run reader used after close');
    return this.wasm;
  }

  /** Adds the next `len` diff bytes (mod 256) onto out[o..o+len). */
  addTo(out: Uint8Array, o: number, len: number): void {
    const wasm = this.instance;
    const mem = new Uint8Array(wasm.memory.buffer); // it grows only when a reader is made
    while (len > 0) {
      const zeros = checked(wasm.skipZeros(len));
      o += zeros;
      len -= zeros;
      if (len === 0) break;
      const n = Math.min(len, PIECE);
      mem.set(out.subarray(o, o + n), this.piece);
      checked(wasm.add(this.piece, n));
      out.set(mem.subarray(this.piece, this.piece + n), o);
      o += n;
      len -= n;
    }
  }

  /** Whether every byte of the section has been used. */
  get done(): boolean {
    return this.instance.done() !== 0;
  }

  /** Done with the section: the instance may serve the next reader. */
  close(): void {
    if (this.wasm) zeroRuns.giveBack(this.wasm);
    this.wasm = undefined;
  }
}

/** The whole diff at once (for sections other than the diff that use the coding). */
export function decodeZeroRuns(src: Uint8Array, rawLen: number): Buffer {
  const out = Buffer.alloc(rawLen);
  const r = ZeroRunReader.coded(src);
  try {
    r.addTo(out, 0, rawLen);
    if (!r.done) throw corrupt('delta section runs do not add up');
  } finally {
    r.close();
  }
  return out;
}
