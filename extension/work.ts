// The heavy half of the extension, bundled on its own as dist/extensionWork.js and loaded on first use (see
// workLoader.ts): the device client (with the Docker client), the push pipeline, livepush, discovery, boards and
// the webview protocol's schemas. Keeping it out of dist/extension.js keeps activation cheap: loading this
// bundle costs more than the 100 ms activation budget on its own. No `vscode` import.
export { DeviceClient } from '../simulator/push/deviceClient.js';
export { pushProject } from '../simulator/push/pushProject.js';
export { startLivepush } from '../simulator/push/livepush/startLivepush.js';
export { discoverDevices } from '../simulator/push/discovery.js';
export { startBoard } from '../simulator/board/launcher.js';
export { stopBoard } from '../simulator/board/power.js';
export { listBoards } from '../simulator/board/boardState.js';
export { boardNameFor } from '../simulator/board/paths.js';
export { parseViewToHost } from '../webview/protocol.js';
