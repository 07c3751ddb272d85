// `edgepush delta report --from IMAGE --to IMAGE [--json]`: what updating one image to another sends by each
// method (images as `docker save` archives or as refs in the local Docker engine).
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { flag, requiredOpt, type ParsedArgs } from '../command.js';
import { imageDeltaReport } from '../../engine/imageDelta.js';
import type { ImageSource } from '../../engine/imageArchive.js';
import type { ImageDeltaReport } from '../../engine/deltaReport.js';
import type { Progress } from '../../shared/progress.js';
import { formatBytes } from '../../shared/units.js';

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

export async function runDeltaReport(args: ParsedArgs, progress: Progress): Promise<number> {
  const [from, to] = [requiredOpt(args, 'from'), requiredOpt(args, 'to')];
  let docker: Docker | undefined;
  const engine = () => (docker ??= new Docker());
  progress.update('computing delta report');
  const r = await imageDeltaReport({ basis: imageSource(from, engine), target: imageSource(to, engine) });
  progress.done();
  process.stdout.write(flag(args, 'json') ? `${JSON.stringify(r)}\n` : `${reportTable(r)}\n`);
  return 0;
}
