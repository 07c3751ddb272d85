import { flag, noExtraPositionals, positional, type CliCommand } from '../command.js';
import { deviceAccessOf, deviceAccessOptions, deviceAccessUsage } from '../deviceAccessFlags.js';
import { connectDevice } from '../../push/connect.js';
import { formatStatus, summarizeStatus } from '../../push/format.js';
import { exitCodeOf } from '../../push/pushFailure.js';
import { messageOf } from '../../shared/errors.js';

export const statusCommand: CliCommand = {
  usage: `edgepush status ADDR [--json] [--api-key KEY]

  --json   print one JSON object on stdout: {device, supervisorVersion, deviceType, arch, appState, status,
           release, services: [{name, status, containerId, imageId}]}
${deviceAccessUsage}
Exit codes: 0 ok, 3 the device does not answer (or is not in local mode).`,
  options: { json: { type: 'boolean' }, ...deviceAccessOptions },
  run: async (args) => {
    noExtraPositionals(args, 1);
    const address = positional(args, 0, 'ADDR');
    try {
      const { client, supervisorVersion, info } = await connectDevice(address, undefined, undefined, deviceAccessOf(args));
      const summary = summarizeStatus(address, supervisorVersion, info, await client.status());
      process.stdout.write(flag(args, 'json') ? `${JSON.stringify(summary)}\n` : `${formatStatus(summary)}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`edgepush status: ${messageOf(err)}\n`);
      return exitCodeOf(err);
    }
  },
};
