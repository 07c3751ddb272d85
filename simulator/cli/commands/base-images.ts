import type { CliCommand } from '../command.js';
import { stringOpt, flag, noExtraPositionals, UsageError } from '../command.js';
import { ensureBaseImages } from '../../device/baseImages.js';
import { ensureArchBaseImages } from '../../device/archBaseImages.js';
import { parseEngineUrl, dockerFor } from '../../device/engineUrl.js';
import { ARCHES, isArch } from '../../shared/deviceTypes.js';

export const baseImagesCommand: CliCommand = {
  usage: [
    'edgepush base-images [--arch ARCH] [--engine URL] [--no-node]',
    '',
    `  --arch ARCH    edgepush-base/<arch>-busybox and -node from Debian packages of that arch (${ARCHES.join(', ')}); without it this machine's edgepush-base/busybox and -node`,
    '  --engine URL   engine to build on: unix:///var/run/docker.sock (default, or $DOCKER_HOST) or tcp://HOST:PORT',
    '  --no-node      only the busybox image, not the node one',
  ].join('\n'),
  options: { arch: { type: 'string' }, engine: { type: 'string' }, 'no-node': { type: 'boolean' } },
  async run(args) {
    noExtraPositionals(args, 0);
    const arch = stringOpt(args, 'arch');
    if (arch !== undefined && !isArch(arch)) throw new UsageError(`unknown --arch '${arch}' (one of ${ARCHES.join(', ')})`);
    const docker = dockerFor(parseEngineUrl(stringOpt(args, 'engine')));
    const opts = { node: !flag(args, 'no-node'), onProgress: (l: string) => process.stderr.write(`${l}\n`) };
    const results = arch ? await ensureArchBaseImages(docker, arch, opts) : await ensureBaseImages(docker, opts);
    for (const r of results) process.stdout.write(`${r.name}\t${r.action}\n`);
    return 0;
  },
};
