// Hung boards: under TCG a guest can, rarely, lock up for good (seen while runc started a container). Whatever
// drives a board checks it with a time limit and power-cycles it: a power cut, then a boot with the same settings
// (same overlay, so the device comes back with its apps and converges, as after any power cut).
import { readBoardState, qemuAlive } from './boardState.js';
import { killBoard } from './power.js';
import { startBoard, type BoardHandle, type StartBoardHooks, type StartBoardOptions } from './launcher.js';
import { httpOk, supervisorPing } from './bootWatch.js';
import { stateRoot } from './paths.js';
import { notFound } from '../shared/errors.js';

export type BoardHealth = 'online' | 'unresponsive' | 'stopped';

/** 'unresponsive': QEMU runs but the supervisor has not answered within the time limit. */
export async function boardHealth(name: string, opts: { stateDir?: string; timeoutMs?: number } = {}): Promise<BoardHealth> {
  const s = readBoardState(name, opts.stateDir ?? stateRoot());
  if (!s || !qemuAlive(s.pid, name)) return 'stopped';
  return (await httpOk(supervisorPing(s.address), opts.timeoutMs ?? 5000)) ? 'online' : 'unresponsive';
}

export async function powerCycleBoard(
  name: string,
  opts: Pick<StartBoardOptions, 'stateDir' | 'cacheDir' | 'agentBundle' | 'bootTimeoutMs' | 'progress'> = {},
  hooks: StartBoardHooks = {},
): Promise<BoardHandle> {
  const root = opts.stateDir ?? stateRoot();
  const s = readBoardState(name, root);
  if (!s) throw notFound(`no board named ${name}`);
  await killBoard(name, { stateDir: root });
  return startBoard(
    {
      ...opts,
      stateDir: root,
      name,
      address: s.address,
      memoryMiB: s.memoryMiB,
      cpus: s.cpus,
      image: s.kind === 'balena' ? s.base : undefined,
    },
    hooks,
  );
}
