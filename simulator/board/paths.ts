// Where boards live on disk: images in the cache (rebuildable, shared by every board), running boards'
// state in the state dir (one folder per board: state.json, overlay, console log, QMP socket).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'edgepush', 'boards');
}

export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.EDGEPUSH_BOARD_STATE) return env.EDGEPUSH_BOARD_STATE;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'edgepush', 'boards');
}

export interface ImagePaths {
  dir: string;
  kernel: string;
  initrd: string;
  rootfs: string;
  manifest: string;
  /** Saved running states of boards booted from this image (snapshot.ts). */
  snapshots: string;
}

export function imagePaths(hash: string, root = cacheRoot()): ImagePaths {
  const dir = join(root, hash);
  return {
    dir,
    kernel: join(dir, 'vmlinux'),
    initrd: join(dir, 'initrd.img'),
    rootfs: join(dir, 'rootfs.img'),
    manifest: join(dir, 'image.json'),
    snapshots: join(dir, 'snapshots'),
  };
}

export interface BoardPaths {
  dir: string;
  state: string;
  overlay: string;
  agentDisk: string;
  agentDir: string;
  console: string;
  previousConsole: string;
  qmp: string;
  /** The aarch64 board's power button: a virtio-serial port's socket (qemuArgs.ts powerPort). */
  powerButton: string;
}

export function boardPaths(name: string, root = stateRoot()): BoardPaths {
  const dir = join(root, name);
  return {
    dir,
    state: join(dir, 'state.json'),
    overlay: join(dir, 'overlay.qcow2'),
    agentDisk: join(dir, 'agent.img'),
    agentDir: join(dir, 'agent'),
    console: join(dir, 'console.log'),
    previousConsole: join(dir, 'console.prev.log'),
    qmp: join(dir, 'qmp.sock'),
    powerButton: join(dir, 'power.sock'),
  };
}

/** One board per loopback address; its name is derived from the address unless given. */
export function boardNameFor(address: string): string {
  return `board-${address.replace(/[^0-9A-Za-z]+/g, '-')}`;
}
