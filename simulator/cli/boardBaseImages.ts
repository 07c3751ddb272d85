// What `edgepush board start` puts on a board before its state is saved (launcher.ts `beforeSave`): the
// edgepush-base busybox image of the board's architecture, so that a board restored from that state (every fresh
// board after the first) has it, and a first push of a busybox project (examples/hello) skips making it on the
// board (8 s of a 38 s push at load 10 on x86). The node image is left to the push: it is large (a Node binary and
// its libraries), and would grow every saved state by as much.
import Docker from 'dockerode';
import { provideBaseImages } from '../device/archBaseImages.js';
import type { BoardArch } from '../board/recipe.js';
import type { Progress } from '../shared/progress.js';

export function boardBaseImages(progress?: Progress): (board: { address: string; board: BoardArch }) => Promise<void> {
  return async ({ address, board }) => {
    progress?.update(`board: putting the edgepush-base busybox image on it before its state is saved`);
    const engine = new Docker({ host: address, port: 2375 });
    await provideBaseImages(engine, [{ arch: board === 'aarch64' ? 'aarch64' : 'amd64', kind: 'busybox' }], (line) =>
      progress?.update(`board: ${line}`),
    );
  };
}
