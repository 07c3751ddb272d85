// `npm run bench:push` (second part): `--build-on local` to a stock device, the goal of issue 13. A one-line change
// to examples/multi pushed to the real balena-supervisor (scripts/real-supervisor/, where it can run: root; else
// `edgepush device --stock`) goes as an EdgePush delta through the helper container: bytes sent ≤ 2× the delta,
// plus a one-off helper cost printed apart, against the full image (`docker load`) that went before.
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pushProject } from '../simulator/push/pushProject.js';
import type { PushReport } from '../simulator/push/types.js';
import { formatBytes } from '../simulator/shared/units.js';
import { projectCopy } from '../test/integration/push/harness.js';
import { realSupervisorUnavailable, startEdgePushStockTarget, startRealTarget } from '../test/integration/conformance/targets.js';
import { testAddress } from '../test/testNet.js';

const line = (what: string, value: string, goal: string) => console.log(`${what.padEnd(52)} ${value.padStart(16)}   ${goal}`);
const sum = (r: PushReport, k: 'sentBytes' | 'deltaBytes' | 'imageBytes' | 'helperBytes') =>
  r.services.reduce((n, s) => n + (s[k] ?? 0), 0);

async function main(): Promise<void> {
  const why = realSupervisorUnavailable();
  const address = testAddress(21, 40);
  const target = why ? await startEdgePushStockTarget(address) : await startRealTarget(address);
  const project = await projectCopy('examples/multi');
  try {
    console.log(
      `\nstock-device push benchmark: examples/multi, --build-on local, to ${why ? `edgepush device --stock (${why})` : 'the real balena-supervisor v19.0.5'} at ${address}\n`,
    );
    const t0 = performance.now();
    const first = await pushProject({ projectDir: project.dir, device: address, buildOn: 'local' });
    const firstSeconds = (performance.now() - t0) / 1000;
    await appendFile(join(project.dir, 'frontend', 'show.sh'), '# a one-line change\n');
    const t1 = performance.now();
    const second = await pushProject({ projectDir: project.dir, device: address, buildOn: 'local' });
    const secondSeconds = (performance.now() - t1) / 1000;
    const methods = [...new Set(second.services.map((s) => s.method))].join(', ');
    line('first push: method', [...new Set(first.services.map((s) => s.method))].join(', '), '');
    line('first push: helper set-up (one-off)', formatBytes(sum(first, 'helperBytes')), 'printed apart');
    line('first push: sent (without the helper)', formatBytes(sum(first, 'sentBytes')), `${firstSeconds.toFixed(1)} s`);
    line('one-line change: method', methods, 'delta-helper');
    line('one-line change: EdgePush delta', formatBytes(sum(second, 'deltaBytes')), '');
    line(
      'one-line change: bytes sent',
      formatBytes(sum(second, 'sentBytes')),
      `goal ≤ 2× delta = ${formatBytes(2 * sum(second, 'deltaBytes'))}`,
    );
    line(
      'one-line change: sent / delta',
      `${(sum(second, 'sentBytes') / Math.max(1, sum(second, 'deltaBytes'))).toFixed(2)}x`,
      'goal ≤ 2.00x',
    );
    line('one-line change: helper cost on this push', formatBytes(sum(second, 'helperBytes')), 'goal 0 (set up once)');
    line(
      'full image (what `load` sends, before issue 13)',
      formatBytes(sum(second, 'imageBytes')),
      `${(sum(second, 'imageBytes') / Math.max(1, sum(second, 'sentBytes'))).toFixed(0)}x the bytes sent`,
    );
    line('one-line change: push time', `${secondSeconds.toFixed(1)} s`, '');
  } finally {
    await target.stop();
    await project.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
