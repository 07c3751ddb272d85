import type { CliCommand } from '../command.js';
import { stringOpt, flag, noExtraPositionals } from '../command.js';
import { ensureBaseImages } from '../../device/baseImages.js';
import { parseEngineUrl, dockerFor } from '../../device/engineUrl.js';

export const baseImagesCommand: CliCommand = {
  usage: [
    'edgepush base-images [--engine URL] [--no-node]',
    '',
    '  --engine URL   engine to build on: unix:///var/run/docker.sock (default, or $DOCKER_HOST) or tcp://HOST:PORT',
    '  --no-node      only edgepush-base/busybox, not edgepush-base/node',
  ].join('\n'),
  options: { engine: { type: 'string' }, 'no-node': { type: 'boolean' } },
  async run(args) {
    noExtraPositionals(args, 0);
    const docker = dockerFor(parseEngineUrl(stringOpt(args, 'engine')));
    const results = await ensureBaseImages(docker, { node: !flag(args, 'no-node'), onProgress: (l) => process.stderr.write(`${l}\n`) });
    for (const r of results) process.stdout.write(`${r.name}\t${r.action}\n`);
    return 0;
  },
};
