// What is known about each board across CLI invocations: one state.json per board folder (atomic writes), and
// whether its QEMU still runs (checked through /proc, so a recycled pid is not mistaken for the board).
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as z from 'zod';
import { boardPaths, stateRoot } from './paths.js';

export const boardStateSchema = z.object({
  name: z.string(),
  kind: z.enum(['debian', 'balena']),
  board: z.enum(['x86_64', 'aarch64']),
  address: z.string(),
  pid: z.number().int().nullable(),
  accel: z.enum(['kvm', 'tcg']),
  memoryMiB: z.number(),
  cpus: z.number(),
  /** The image the overlay is backed by; a different one means a new overlay. */
  base: z.string(),
  startedAt: z.string(),
  stoppedAt: z.string().optional(),
  /** How the last run ended: clean power-off, power cut (kill), or unknown (QEMU died). */
  lastExit: z.enum(['poweroff', 'killed', 'crashed']).optional(),
  argv: z.array(z.string()),
  /** This run was restored from the state saved after a first boot (snapshot.ts), not booted. */
  restored: z.boolean().optional(),
  /** The key of the saved state this board's first boot made, if it made one. */
  savedState: z.string().optional(),
});
export type BoardState = z.infer<typeof boardStateSchema>;

export function readBoardState(name: string, root = stateRoot()): BoardState | undefined {
  try {
    return boardStateSchema.parse(JSON.parse(readFileSync(boardPaths(name, root).state, 'utf8')));
  } catch {
    return undefined;
  }
}

export function writeBoardState(state: BoardState, root = stateRoot()): void {
  const p = boardPaths(state.name, root);
  mkdirSync(p.dir, { recursive: true });
  const tmp = `${p.state}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, p.state);
}

/** True when `pid` is a live (not zombie) QEMU process of board `name`. */
export function qemuAlive(pid: number | null, name: string): boolean {
  if (pid === null) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const stateChar = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (stateChar === 'Z' || stateChar === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`edgepush-${name}`);
  } catch {
    return false;
  }
}

export interface BoardListing extends BoardState {
  running: boolean;
}

export function listBoards(root = stateRoot()): BoardListing[] {
  let names: string[];
  try {
    names = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  const out: BoardListing[] = [];
  for (const n of names) {
    const s = readBoardState(n, root);
    if (s) out.push({ ...s, running: qemuAlive(s.pid, s.name) });
  }
  return out;
}
