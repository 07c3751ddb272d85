// The references of one old ELF file, rewritten into a prediction of the new one: pointers in the data sections a
// delta names, then the PC-relative references of the code (x86-64 rel32 and RIP-relative operands; aarch64
// branches, literal loads, ADR and ADRP pairs; Thumb-2 BL/BLX/B.W or ARM-mode B/BL). The scans themselves are
// WebAssembly (wasm/scans.ts, AssemblyScript): as JavaScript they ran at full speed only after V8 had watched
// them run, which every device paid for again on its first update in a new process. This file feeds them the
// file a window at a time, through one instance per thread whose memory stays a few hundred kilobytes.
import { addressSpan, ElfMachine, type ElfImage } from './elfImage.js';
import type { AddressMap } from './addressMap.js';
import { scansWasm } from './wasm/scans.wasm.js';

type CodeScan = (src: number, dst: number, p: number, stop: number, end: number, base: number, lo: number, hi: number) => number;
type PointerScan = (src: number, dst: number, p: number, stop: number, last: number, lo: number, hi: number, record: number) => number;

interface Scans {
  memory: WebAssembly.Memory;
  heapBase(): number;
  resumeAt: WebAssembly.Global;
  setMap(starts: number, shifts: number, n: number, end: number, pages: number, m: number, pageSize: number): void;
  scanX86: CodeScan;
  scanArm64: CodeScan;
  scanThumb: CodeScan;
  scanArm: CodeScan;
  scanPointers64: PointerScan;
  scanPointers32: PointerScan;
}

// Positions scanned per window, and the bytes a scan may read past its last position (an x86 operand, an ADRP's
// partner four instructions on).
const WINDOW = 256 * 1024;
const OVERLAP = 64;

let loaded: Scans | undefined;
const scans = (): Scans =>
  (loaded ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(scansWasm, 'base64'))).exports as unknown as Scans);

/** Where things lie in the module's memory for one file: the map, then the two windows and the pointer record. */
class Workspace {
  readonly src: number;
  readonly dst: number;
  readonly record: number;
  readonly lo: number;
  readonly hi: number;

  constructor(
    readonly wasm: Scans,
    elf: ElfImage,
    map: AddressMap,
  ) {
    [this.lo, this.hi] = addressSpan(elf);
    // the module builds the page table itself: as JavaScript it ran unoptimized in a device agent, 3 ms a file
    const { pageSize, count: pages } = map.pageGeometry();
    const n = map.size;
    const mapAt = (wasm.heapBase() + 7) & ~7;
    const pagesAt = mapAt + 16 * n;
    this.src = (pagesAt + 4 * pages + 7) & ~7;
    this.dst = this.src + WINDOW + OVERLAP;
    this.record = this.dst + WINDOW + OVERLAP;
    const need = this.record + 4 * (WINDOW / 4 + OVERLAP) - wasm.memory.buffer.byteLength;
    if (need > 0) wasm.memory.grow(Math.ceil(need / 65536));
    const buf = wasm.memory.buffer;
    new Float64Array(buf, mapAt, n).set(map.starts);
    new Float64Array(buf, mapAt + 8 * n, n).set(map.shifts);
    wasm.setMap(mapAt, mapAt + 8 * n, n, map.end, pagesAt, pages, pageSize);
  }

  /** Runs `scan` over positions from `first` of the file, window by window (each reading no further than `readEnd`),
   *  with dst's bytes (what earlier scans wrote) copied in and back; `scan` gets the window's start in the file
   *  (its position 0) and returns what it counted. */
  run(srcFile: Uint8Array, dstFile: Uint8Array, first: number, readEnd: number, scan: (winStart: number) => number): number {
    let count = 0;
    for (let p = first; p < readEnd;) {
      const winEnd = Math.min(readEnd, p + WINDOW + OVERLAP);
      const mem = new Uint8Array(this.wasm.memory.buffer);
      mem.set(srcFile.subarray(p, winEnd), this.src);
      mem.set(dstFile.subarray(p, winEnd), this.dst);
      count += scan(p);
      dstFile.set(mem.subarray(this.dst, this.dst + (winEnd - p)), p);
      const resume = this.wasm.resumeAt.value as number;
      if (resume < WINDOW) break; // the scan reached its end inside this window
      p += resume;
    }
    return count;
  }
}

/** Rewrites, in `dst` (a copy of `src`), the pointers of `src`'s data `sections` and every reference of its code
 *  that the map moves. Returns the number of code references rewritten. With `rewritten`, appends each rewritten
 *  pointer's file offset and section index there (the creator weighs the sections with them). */
export function rewriteReferences(
  src: Uint8Array,
  dst: Uint8Array,
  elf: ElfImage,
  map: AddressMap,
  sections: ReadonlySet<number>,
  rewritten?: number[],
): number {
  const ws = new Workspace(scans(), elf, map);
  rewritePointers(ws, src, dst, elf, sections, rewritten);
  return rewriteCode(ws, src, dst, elf);
}

/** Only the pointers of `sections` (the creator's trial of candidate sections). */
export function rewritePointersOnly(
  src: Uint8Array,
  dst: Uint8Array,
  elf: ElfImage,
  map: AddressMap,
  sections: ReadonlySet<number>,
  rewritten: number[],
): void {
  rewritePointers(new Workspace(scans(), elf, map), src, dst, elf, sections, rewritten);
}

function rewritePointers(
  ws: Workspace,
  src: Uint8Array,
  dst: Uint8Array,
  elf: ElfImage,
  sections: ReadonlySet<number>,
  rewritten?: number[],
): void {
  const w = elf.is64 ? 8 : 4;
  const scan = elf.is64 ? ws.wasm.scanPointers64 : ws.wasm.scanPointers32;
  const record = rewritten ? ws.record : 0;
  for (const s of elf.sections) {
    if (s.noBits || !sections.has(s.index)) continue;
    const first = s.fileOffset + ((w - (s.vaddr % w)) % w);
    const readEnd = Math.min(s.fileOffset + s.size, src.length);
    ws.run(src, dst, first, readEnd, (winStart) => {
      const n = scan(ws.src, ws.dst, 0, WINDOW, readEnd - w - winStart, ws.lo, ws.hi, record);
      if (rewritten) {
        const at = new Uint32Array(ws.wasm.memory.buffer, ws.record, n);
        for (let i = 0; i < n; i++) rewritten.push(winStart + at[i]!, s.index);
      }
      return n;
    });
  }
}

function rewriteCode(ws: Workspace, src: Uint8Array, dst: Uint8Array, elf: ElfImage): number {
  const thumb = (elf.entry & 1) === 1 || elf.entry === 0;
  let count = 0;
  for (const seg of elf.segments) {
    if (!seg.executable) continue;
    const segEnd = seg.fileOffset + seg.fileSize;
    const toVa = seg.vaddr - seg.fileOffset;
    let scan: CodeScan;
    let first = seg.fileOffset;
    let end = segEnd - 3; // the last word starts before it
    switch (elf.machine) {
      case ElfMachine.X86_64:
        scan = ws.wasm.scanX86;
        end = segEnd;
        break;
      case ElfMachine.Aarch64:
        scan = ws.wasm.scanArm64;
        first += (4 - (((seg.vaddr % 4) + 4) % 4)) % 4;
        break;
      case ElfMachine.Arm:
        scan = thumb ? ws.wasm.scanThumb : ws.wasm.scanArm;
        first += thumb ? ((seg.vaddr & 1) === 1 ? 1 : 0) : (4 - (seg.vaddr % 4)) % 4;
        break;
      default:
        return 0;
    }
    count += ws.run(src, dst, first, segEnd, (winStart) => scan(ws.src, ws.dst, 0, WINDOW, end - winStart, winStart + toVa, ws.lo, ws.hi));
  }
  return count;
}
