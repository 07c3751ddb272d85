// `npm run bench:fleet`: a 50-device fleet on this machine and a real registry (Debian's docker-registry),
// figures printed beside the goals of issue 15 and anchors measured in the same run, no assertions:
//   - agent idle RSS ≤ 60 MB each (anchor: a bare `node` process, idle, in this run);
//   - a one-line change in 4 waves: registry egress ≤ 1.2 × what the devices minimally need (each device: its
//     delta, the release manifest, the referrers index, the delta's manifest), and its ratio to N layer pulls;
//   - time from `fleet push` to the whole fleet Running, without and with `--faults power=10%`.
// The project is examples/hello plus a 1 MB app folder (a real app's code and assets: the layer the one-line
// change lands in; hello alone is a 1 KB layer where a delta cannot win). EDGEPUSH_BENCH_FLEET=N for another size.
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImages } from '../simulator/device/baseImages.js';
import { readFleet } from '../simulator/fleet/fleetStore.js';
import type { RolloutReport } from '../simulator/fleet/rolloutTypes.js';
import { RegistryClient } from '../simulator/registry/registryClient.js';
import { parseRegistryAddress } from '../simulator/registry/reference.js';
import { findDeltas, referrersTag } from '../simulator/registry/deltaArtifact.js';
import { registryEgress, startRegistry, stopRegistry } from '../simulator/registry/registryServer.js';
import { formatBytes } from '../simulator/shared/units.js';
import { testAddress, runTag } from '../test/testNet.js';

const SIZE = Number(process.env.EDGEPUSH_BENCH_FLEET ?? 50);
const FLEET = `${runTag()}-bench`;
const CLI = resolve('dist/cli.js');
const line = (what: string, value: string, goal = '') => console.log(`${what.padEnd(52)} ${value.padStart(24)}   ${goal}`);

function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string; seconds: number }> {
  const t0 = performance.now();
  return new Promise((res) => {
    const c = spawn(process.execPath, [CLI, ...args], { env });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (process.env.EDGEPUSH_BENCH_VERBOSE) process.stderr.write(d);
    });
    c.on('close', (code) => res({ status: code ?? 1, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
  });
}

const rssMB = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
};

/** 1 MB of app content: text-like lines (code, assets) that compress about as real app files do. */
function appContent(): string {
  const words = ['const', 'return', 'function', 'device', 'update', 'value', 'state', 'await', 'import', 'export', 'config', 'sensor'];
  let x = 12345;
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < 1_000_000; i++) {
    let l = `${i}:`;
    for (let w = 0; w < 10; w++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      l += ` ${words[x % words.length]}${(x >>> 8) % 1000}`;
    }
    out.push(l);
    size += l.length + 1;
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const docker = new Docker();
  await ensureBaseImages(docker, { node: false });
  const state = await mkdtemp(join(tmpdir(), 'ep-fleet-bench-'));
  const env = { ...process.env, XDG_STATE_HOME: state };
  process.env.XDG_STATE_HOME = state;
  const dir = join(state, 'project');
  await cp(resolve('examples/hello'), dir, { recursive: true });
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'assets', 'app.txt'), appContent());
  const regAddress = testAddress(86, 1);
  const reg = await startRegistry({ address: regAddress, port: 5000 });
  console.log(
    `fleet of ${SIZE} simulated devices from ${testAddress(85, 1)}, registry ${reg.url}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${spawnSync('nproc').stdout.toString().trim()} cores)`,
  );
  try {
    const started = await cli(env, 'fleet', 'start', '--name', FLEET, '--size', String(SIZE), '--first', testAddress(85, 1));
    if (started.status !== 0) throw new Error(started.stderr);
    line('fleet start', `${started.seconds.toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 5000));
    const fresh = stats(readFleet(FLEET)!.devices.map((d) => rssMB(d.pid)));
    line(
      'agent idle RSS, fresh (min / median / max)',
      `${fresh.min.toFixed(0)} / ${fresh.median.toFixed(0)} / ${fresh.max.toFixed(0)} MB`,
      'goal ≤ 60 MB each',
    );
    const push = async (label: string, ...extra: string[]): Promise<RolloutReport> => {
      const r = await cli(
        env,
        'fleet',
        'push',
        dir,
        '--fleet',
        FLEET,
        '--registry',
        reg.url,
        '--json',
        '--health-timeout',
        '180',
        ...extra,
      );
      if (!r.stdout.trim()) throw new Error(`${label}: ${r.stderr}`);
      const report = JSON.parse(r.stdout) as RolloutReport;
      const running = report.devices.filter((d) => d.state === 'running').length;
      line(
        `${label}: whole fleet Running`,
        `${report.seconds.toFixed(1)} s`,
        `${running}/${SIZE} running, waves ${report.waves.map((w) => `${w.devices.length}${w.passed ? '' : '✗'}`).join('+')}`,
      );
      return report;
    };

    const v1 = await push('v1 (first release: layer pulls)', '--waves', '100%');
    line('  registry egress', formatBytes(v1.registryEgressBytes), `(${v1.registryEgressSource})`);

    // Idle RSS of every agent, after a release, once they have settled; anchor: a bare node process, now.
    const idleRss = async (label: string): Promise<void> => {
      await new Promise((r) => setTimeout(r, 5000));
      const rss = stats(readFleet(FLEET)!.devices.map((d) => rssMB(d.pid)));
      const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
      await new Promise((r) => setTimeout(r, 1500));
      const bareRss = rssMB(bare.pid!);
      bare.kill();
      line(
        `agent idle RSS ${label} (min/med/max)`,
        `${rss.min.toFixed(0)} / ${rss.median.toFixed(0)} / ${rss.max.toFixed(0)} MB`,
        `goal ≤ 60 MB each; anchor: bare node ${bareRss.toFixed(0)} MB`,
      );
    };
    await idleRss('after v1');

    await writeFile(join(dir, 'message.txt'), `${(await readFile(join(dir, 'message.txt'), 'utf8')).trim()} (v2)\n`);
    const logFrom = registryEgress(reg.logPath).offset;
    const v2 = await push('v2 (one-line change, 4 waves)', '--waves', '1,10%,50%,100%');
    const breakdown = registryEgress(reg.logPath, logFrom).byKind;
    const client = new RegistryClient(parseRegistryAddress(reg.url));
    const repo = `${FLEET}/main`;
    const release = await client.headManifest(repo, v2.release);
    const index = await client.headManifest(repo, referrersTag(release!.digest));
    const delta = (await findDeltas(client, repo, release!.digest))[0]!;
    const artifact = await client.headManifest(repo, delta.manifestDigest);
    const perDevice = delta.blob.size + release!.size + (index?.size ?? 0) + (artifact?.size ?? 0);
    const minimum = SIZE * perDevice;
    line('  delta per device (one base)', formatBytes(delta.blob.size), `layer pull per device ${formatBytes(v2.layerPullBytes / SIZE)}`);
    line(
      '  registry egress',
      formatBytes(v2.registryEgressBytes),
      `goal ≤ 1.2 × ${formatBytes(minimum)} (N × delta + manifests): ${(v2.registryEgressBytes / minimum).toFixed(2)}×`,
    );
    line(
      '  against N layer pulls',
      `${formatBytes(v2.layerPullBytes)}`,
      `egress is ${((v2.registryEgressBytes / v2.layerPullBytes) * 100).toFixed(1)}% of it`,
    );
    line(
      '  egress by request',
      Object.entries(breakdown)
        .filter(([, k]) => k.bytes > 0)
        .map(([kind, k]) => `${kind} ${formatBytes(k.bytes)}/${k.requests}`)
        .join(', '),
    );
    line(
      '  methods',
      Object.entries(v2.devices.reduce<Record<string, number>>((m, d) => ((m[d.method] = (m[d.method] ?? 0) + 1), m), {}))
        .map(([k, n]) => `${n}× ${k}`)
        .join(', '),
    );

    await idleRss('after v2 (a delta release)');

    await writeFile(join(dir, 'message.txt'), `${(await readFile(join(dir, 'message.txt'), 'utf8')).trim()} (v3)\n`);
    const v3 = await push('v3 (one-line change, --faults power=10%)', '--waves', '1,10%,50%,100%', '--faults', 'power=10%');
    line(
      '  power-cut devices',
      String(v3.devices.filter((d) => d.fault).length),
      `ended: ${[...new Set(v3.devices.filter((d) => d.fault).map((d) => d.state))].join(', ')}`,
    );
    line(
      '  anchor: the same change without faults (v2)',
      `${v2.seconds.toFixed(1)} s`,
      `with faults ${(v3.seconds / v2.seconds).toFixed(2)}×`,
    );
    await idleRss('after v3 (power-cut agents restarted)');
    console.log(
      `load at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await cli(env, 'fleet', 'stop', '--name', FLEET, '--purge');
    await stopRegistry(regAddress, 5000);
    await rm(state, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
