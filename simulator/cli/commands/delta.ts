// `edgepush delta create|apply|report`: the embedded engine's codec on files, and the per-image report
// (images as `docker save` archives or as refs in the local Docker engine).
import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import { UsageError, flag, noExtraPositionals, positional, requiredOpt, type CliCommand, type ParsedArgs } from '../command.js';
import { applyDeltaFile, createDeltaFile } from '../../engine/byteDeltaFiles.js';
import type { ImageSource } from '../../engine/imageArchive.js';
import type { ImageDeltaReport } from '../../engine/deltaReport.js';
import { progressLine } from '../../shared/progress.js';
import { formatBytes } from '../../shared/units.js';

const usage = `edgepush delta create OLD NEW -o OUT | delta apply OLD DELTA -o OUT | delta report --from IMAGE --to IMAGE [--json]

  create OLD NEW -o OUT     write a binary delta that turns file OLD into file NEW (tar-aware)
  apply OLD DELTA -o OUT    rebuild NEW from OLD and DELTA; OUT is written only when its digest checks out
  report --from A --to B    what updating image A to B sends: full, layer pull, librsync method, EdgePush
                            delta (IMAGE: a docker save archive, or an image in the local engine)`;

// create and apply need only the codec: the Docker client and the image layer are loaded for `report` alone
function imageSource(arg: string, docker: () => Docker): ImageSource {
  return existsSync(arg) ? { archivePath: arg } : { docker: docker(), ref: arg };
}

function reportTable(r: ImageDeltaReport): string {
  const pct = (n: number) => (r.imageBytes ? `${((n / r.imageBytes) * 100).toFixed(1)}%` : '');
  const rows: [string, number][] = [
    ['full image', r.imageBytes],
    ['layer pull (gzip)', r.layerPullBytes],
    ['librsync (balenaEngine)', r.librsyncBytes],
    ['EdgePush delta', r.deltaBytes],
  ];
  const changed = r.layers.filter((l) => l.status === 'changed').length;
  return [
    ...rows.map(([k, v]) => `${k.padEnd(24)} ${formatBytes(v).padStart(10)}  ${pct(v).padStart(6)}`),
    `${changed} of ${r.layers.length} layers changed; computed in ${r.seconds.toFixed(2)} s`,
  ].join('\n');
}

async function run(args: ParsedArgs): Promise<number> {
  const sub = args.positionals[0];
  const progress = progressLine();
  switch (sub) {
    case 'create': {
      noExtraPositionals(args, 3);
      const [oldPath, newPath, out] = [positional(args, 1, 'OLD'), positional(args, 2, 'NEW'), requiredOpt(args, 'output')];
      progress.update('creating delta');
      const r = await createDeltaFile(oldPath, newPath, out);
      progress.done(`${out}: ${formatBytes(r.bytes)} delta for ${formatBytes(r.header.newSize)}`);
      return 0;
    }
    case 'apply': {
      noExtraPositionals(args, 3);
      const [oldPath, deltaPath, out] = [positional(args, 1, 'OLD'), positional(args, 2, 'DELTA'), requiredOpt(args, 'output')];
      progress.update('applying delta');
      const r = await applyDeltaFile(oldPath, deltaPath, out);
      progress.done(`${out}: ${formatBytes(r.bytes)} written and verified`);
      return 0;
    }
    case 'report': {
      noExtraPositionals(args, 1);
      const [from, to] = [requiredOpt(args, 'from'), requiredOpt(args, 'to')];
      const [{ default: DockerClient }, { imageDeltaReport }] = await Promise.all([import('dockerode'), import('../../engine/imageDelta.js')]);
      let docker: Docker | undefined;
      const engine = () => (docker ??= new DockerClient());
      progress.update('computing delta report');
      const r = await imageDeltaReport({ basis: imageSource(from, engine), target: imageSource(to, engine) });
      progress.done();
      process.stdout.write(flag(args, 'json') ? `${JSON.stringify(r)}\n` : `${reportTable(r)}\n`);
      return 0;
    }
    case undefined:
      throw new UsageError('missing subcommand (create, apply or report)');
    default:
      throw new UsageError(`unknown subcommand '${sub}' (expected create, apply or report)`);
  }
}

export const deltaCommand: CliCommand = {
  usage,
  options: { output: { type: 'string', short: 'o' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
  run,
};
