// `npm run bench -- agent`: what one simulated device costs when idle, and how many log lines a second it
// forwards without losing any. Figures are printed beside anchors measured in the same run, never asserted.
//   idle memory: a bare `node` process (the floor), the agent started plainly (`node dist/cli.js device`), and the
//     agent as EdgePush starts it (spawnSimulatedDevice: AGENT_NODE_FLAGS and AGENT_ENV), then the same agent idle
//     again after it applied a one-service release. RSS counts
//     the node binary's pages (shared by every agent on the machine); "private" is what each agent adds.
//     Goal (issue 18): idle agent ≤ 60 MB.
//   log throughput: a service prints numbered lines at a ladder of rates for a few seconds each; one reader
//     follows /v2/local/logs. A step passes when every line arrives and no gap notice came. Anchor: the rate
//     the engine itself produced them at (from its timestamps).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { ensureBaseImages } from '../simulator/device/baseImages.js';
import { deviceIdFrom, purgeDevice } from '../simulator/device/scope.js';
import { pingDevice, spawnSimulatedDevice } from '../simulator/device/spawnDevice.js';
import { testAddress } from '../test/testNet.js';

const CLI = resolve('dist/cli.js');
const IDLE_MS = 10_000;
const STEP_SECONDS = 10;
const RATES = [5_000, 10_000, 20_000, 40_000, 80_000];

const line = (what: string, value: string, goal: string) => console.log(`${what.padEnd(52)} ${value.padStart(18)}   ${goal}`);
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

interface Memory {
  rssKB: number;
  privateKB: number;
}

async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKB: kb(status, 'VmRSS'), privateKB: kb(rollup, 'Private_Clean') + kb(rollup, 'Private_Dirty') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bareNode(): Promise<Memory> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 1e9)'], { stdio: 'ignore' });
  await sleep(2000);
  const m = await memoryOf(child.pid!);
  child.kill();
  return m;
}

/** The agent started as a user would type it, without the tuning EdgePush applies. */
async function plainAgent(address: string, dataDir: string): Promise<Memory> {
  const child = spawn(process.execPath, [CLI, 'device', '--address', address, '--name', 'ep18-bench-plain', '--data', dataDir], {
    stdio: 'ignore',
  });
  try {
    for (let i = 0; i < 100 && !(await pingDevice(address, 500)); i++) await sleep(200);
    await sleep(IDLE_MS);
    return await memoryOf(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

interface Step {
  rate: number;
  produced: number;
  delivered: number;
  gaps: number;
  /** Lines a second as the engine stamped them (first to last line). */
  engineRate: number;
  /** Lines a second as the reader received them. */
  readerRate: number;
  /** How long after the engine stamped the last line the reader had it (ms). */
  lagMs: number;
}

/** A one-app, one-service target state running `script` in busybox (a new release per commit). */
function oneServiceState(name: string, commit: string, releaseId: number, serviceName: string, script: string) {
  const service = {
    imageId: 1,
    serviceId: 1,
    serviceName,
    image: 'edgepush-base/busybox:latest',
    restart: 'no',
    running: true,
    command: ['sh', '-c', script],
    environment: {},
    labels: {},
  };
  return {
    local: {
      name,
      config: { SUPERVISOR_LOCAL_MODE: '1' },
      apps: { '1': { name: 'bench', commit, releaseId, services: { '1': service }, volumes: {}, networks: {} } },
    },
  };
}

async function logStep(address: string, name: string, rate: number, n: number): Promise<Step> {
  const total = rate * STEP_SECONDS;
  const batch = Math.max(1, Math.round(rate / 10)); // ten batches a second
  const script = `sleep 2; i=1; while [ $i -le ${total} ]; do seq $i $((i+${batch}-1)); i=$((i+${batch})); usleep 100000; done; echo END; sleep 1000`;
  let delivered = 0;
  let gaps = 0;
  let first: number | undefined;
  let last = 0;
  let firstAt: number | undefined;
  let lastAt = 0;
  const seen = new Set<number>();
  let resolveEnd!: () => void;
  const ended = new Promise<void>((r) => (resolveEnd = r));
  // ?since: only lines from now on (a follower that connects soon after a target-state POST would otherwise
  // first get the lines since that POST: the previous step's).
  const req = http.get({ host: address, port: 48484, path: `/v2/local/logs?since=${Date.now()}` }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      buf += c;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const l = JSON.parse(buf.slice(0, i)) as { message: string; serviceName?: string; gap?: boolean; timestamp?: number };
        buf = buf.slice(i + 1);
        if (l.gap) gaps++;
        if (l.serviceName !== 'flood') continue;
        if (l.message === 'END') {
          resolveEnd();
          continue;
        }
        const k = Number(l.message);
        if (Number.isInteger(k) && k >= 1 && k <= total && !seen.has(k)) {
          seen.add(k);
          delivered++;
          first ??= l.timestamp;
          last = l.timestamp ?? last;
          firstAt ??= Date.now();
          lastAt = Date.now();
        }
      }
    });
  });
  req.on('error', () => undefined);
  const state = oneServiceState(name, `flood${n}`, n, 'flood', script);
  await fetch(`http://${address}:48484/v2/local/target-state`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(state),
  });
  await Promise.race([ended, sleep(STEP_SECONDS * 1000 + 60_000)]);
  await sleep(500); // lines after END in the same chunk
  req.destroy();
  const span = first !== undefined && last > first ? (last - first) / 1000 : NaN;
  const readSpan = firstAt !== undefined && lastAt > firstAt ? (lastAt - firstAt) / 1000 : NaN;
  return { rate, produced: total, delivered, gaps, engineRate: delivered / span, readerRate: delivered / readSpan, lagMs: lastAt - last };
}

/** Posts a one-service release and waits until the device reports it applied. */
async function updateOnce(address: string, name: string): Promise<void> {
  const state = oneServiceState(name, 'idle1', 100, 'idle', 'echo up; sleep 100000');
  const base = `http://${address}:48484`;
  const posted = await fetch(`${base}/v2/local/target-state`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(state),
  });
  if (!posted.ok) throw new Error(`target state refused: ${posted.status} ${await posted.text()}`);
  for (const until = Date.now() + 120_000; Date.now() < until; await sleep(250)) {
    const status = (await (await fetch(`${base}/v2/state/status`)).json()) as { appState?: string; containers?: { status?: string }[] };
    if (status.appState === 'applied' && status.containers?.some((c) => c.status === 'Running')) return;
  }
  throw new Error('the update was not applied within 2 minutes');
}

async function main(): Promise<void> {
  const docker = new Docker();
  await ensureBaseImages(docker, { node: false });
  const work = await mkdtemp(join(tmpdir(), 'ep-agent-bench-'));
  const plainAddress = testAddress(50, 60);
  const address = testAddress(50, 61);
  const name = 'ep18-bench-agent';
  await purgeDevice(docker, deviceIdFrom(name)).catch(() => undefined);
  try {
    console.log(`agent benchmark: idle memory after ${IDLE_MS / 1000} s, then log throughput (${STEP_SECONDS} s per rate)\n`);
    const bare = await bareNode();
    line('bare node process (floor): RSS / private', `${mb(bare.rssKB)} / ${mb(bare.privateKB)}`, 'anchor');
    const plain = await plainAgent(plainAddress, join(work, 'plain'));
    line('idle agent, started plainly: RSS / private', `${mb(plain.rssKB)} / ${mb(plain.privateKB)}`, 'anchor');
    const device = await spawnSimulatedDevice({ cliPath: CLI, address, name, dataDir: join(work, 'agent') });
    try {
      await sleep(IDLE_MS);
      const tuned = await memoryOf(device.pid);
      line('idle agent, as EdgePush starts it: RSS / private', `${mb(tuned.rssKB)} / ${mb(tuned.privateKB)}`, 'goal ≤ 60 MB');
      await updateOnce(address, name);
      await sleep(IDLE_MS);
      const updated = await memoryOf(device.pid);
      line('the same, idle after an update: RSS / private', `${mb(updated.rssKB)} / ${mb(updated.privateKB)}`, 'goal ≤ 60 MB');
      console.log('');
      let best = 0;
      for (const [i, rate] of RATES.entries()) {
        const s = await logStep(address, name, rate, i + 1);
        const lost = s.produced - s.delivered;
        const ok = lost === 0 && s.gaps === 0;
        const perSecond = (x: number) => `${Math.round(x).toLocaleString('en')}/s`;
        line(
          `logs at ${rate.toLocaleString('en')} lines/s: delivered / lost / gaps`,
          `${s.delivered} / ${lost} / ${s.gaps}`,
          `engine ${perSecond(s.engineRate)}, reader ${perSecond(s.readerRate)}, lag ${(s.lagMs / 1000).toFixed(1)} s`,
        );
        if (!ok) break;
        best = Math.max(best, Math.round(Math.min(s.engineRate, s.readerRate)));
      }
      line('sustained log throughput without loss', `${best.toLocaleString('en')} lines/s`, 'goal ≥ 15,000 lines/s');
      const after = await memoryOf(device.pid);
      line('agent after the floods: RSS / private', `${mb(after.rssKB)} / ${mb(after.privateKB)}`, '-');
    } finally {
      await device.stop();
    }
  } finally {
    await purgeDevice(docker, deviceIdFrom(name)).catch(() => undefined);
    await purgeDevice(docker, deviceIdFrom('ep18-bench-plain')).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
