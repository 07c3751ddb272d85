// The heavy half of the extension, bundled on its own as dist/extensionWork.js and loaded on first use (see
// workLoader.ts). Keeping it out of dist/extension.js keeps activation cheap. Inside it, the device client and
// the webview protocol load at once (the first device probe needs them); the push pipeline, livepush, discovery
// and the board launcher load when first called. No `vscode` import.
import type { startBoard as StartBoard } from '../simulator/board/launcher.js';
import type { stopBoard as StopBoard } from '../simulator/board/power.js';
import type { powerCycleBoard as PowerCycleBoard } from '../simulator/board/powerCycle.js';
import type { watchBoardAt as WatchBoardAt } from '../simulator/board/watchdog.js';
import type { discoverDevices as DiscoverDevices } from '../simulator/push/discovery.js';
import type { startLivepush as StartLivepush } from '../simulator/push/livepush/startLivepush.js';
import type { pushProject as PushProject } from '../simulator/push/pushProject.js';
import type { runRollout as RunRollout } from '../simulator/fleet/rollout.js';
import type { fleetStatus as FleetStatus } from '../simulator/fleet/fleetStatus.js';

export { DeviceClient } from '../simulator/push/deviceClient.js';
export { openServiceShell } from '../simulator/push/serviceShell.js';
export { servicePorts } from '../simulator/push/servicePorts.js';
export { listBoards } from '../simulator/board/boardState.js';
export { boardNameFor } from '../simulator/board/paths.js';
export { parseViewToHost } from '../webview/protocol.js';
export { parseRate } from '../simulator/device/link.js';

// Pushes make the EdgePush base images (edgepush-base/<arch>-*) their project names, for the device's arch, and
// ship missing plain ones to a device that lacks them.
export const pushProject: typeof PushProject = async (opts) => {
  const [{ pushProject: push }, { makeBaseImage }, { provideBaseImages }] = await Promise.all([
    import('../simulator/push/pushProject.js'),
    import('../simulator/device/baseImages.js'),
    import('../simulator/device/archBaseImages.js'),
  ]);
  return push({ makeBaseImage, baseImages: provideBaseImages, ...opts });
};
export const startLivepush: typeof StartLivepush = async (opts) =>
  (await import('../simulator/push/livepush/startLivepush.js')).startLivepush(opts);
export const discoverDevices: typeof DiscoverDevices = async (opts) =>
  (await import('../simulator/push/discovery.js')).discoverDevices(opts);
// Boards get the edgepush-base busybox image before their state is saved, as from the CLI.
export const startBoard: typeof StartBoard = async (opts, hooks) => {
  const [{ startBoard: start }, { boardBaseImages }] = await Promise.all([
    import('../simulator/board/launcher.js'),
    import('../simulator/cli/boardBaseImages.js'),
  ]);
  return start({ beforeSave: boardBaseImages(opts?.progress), ...opts }, hooks);
};
export const stopBoard: typeof StopBoard = async (name, opts) => (await import('../simulator/board/power.js')).stopBoard(name, opts);
export const watchBoardAt: typeof WatchBoardAt = async (device, signal, root) =>
  (await import('../simulator/board/watchdog.js')).watchBoardAt(device, signal, root);
export { describeVerdict } from '../simulator/board/watchdog.js';
export const powerCycleBoard: typeof PowerCycleBoard = async (name, opts, hooks) =>
  (await import('../simulator/board/powerCycle.js')).powerCycleBoard(name, opts, hooks);
export { listFleets } from '../simulator/fleet/fleetStore.js';
export { listRegistries, startRegistry } from '../simulator/registry/registryServer.js';
export const fleetStatus: typeof FleetStatus = async (f) => (await import('../simulator/fleet/fleetStatus.js')).fleetStatus(f);
export const runRollout: typeof RunRollout = async (opts) => (await import('../simulator/fleet/rollout.js')).runRollout(opts);
