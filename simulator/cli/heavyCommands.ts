// The commands that need the Docker client, the schemas and the device, push and board code: about 3 MB of
// bundle. The CLI build keeps them in a second file (dist/cliHeavy.js) that registry.ts loads only when one of
// them runs, so `edgepush delta` and `--help` compile a small bundle and start in a few tens of milliseconds.
export { demoCommand } from './commands/demo.js';
export { pushCommand } from './commands/push.js';
export { logsCommand } from './commands/logs.js';
export { sshCommand } from './commands/ssh.js';
export { statusCommand } from './commands/status.js';
export { scanCommand } from './commands/scan.js';
export { boardCommand } from './commands/board.js';
export { baseImagesCommand } from './commands/base-images.js';
export { registryCommand } from './commands/registry.js';
export { imageCommand } from './commands/image.js';
export { fleetCommand } from './commands/fleet.js';
export { runDeltaReport } from './commands/deltaReport.js';
