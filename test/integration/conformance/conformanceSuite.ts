// The conformance checks, run the same way against every target (targets.ts): what a user does with EdgePush's
// own client, and what they would check afterwards. A difference between the real supervisor and the simulated
// device either fails here or is written down in the protocol notes (../shared/docs, docs/real-supervisor.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeviceClient } from '../../../simulator/push/deviceClient.js';
import { localBuildTag } from '../../../simulator/push/build/buildServices.js';
import { PushReportSchema, type PushReport } from '../../../simulator/push/types.js';
import { CliSession, docker, projectCopy, removeProjectBuildTags, runCli } from '../push/harness.js';
import type { ConformanceTarget } from './targets.js';
import { cuttingRelay } from '../push/cuttingRelay.js';

interface StatusJson {
  appState: string;
  release: string | null;
  services: Array<{ name: string; status: string; containerId: string | null }>;
}

/** Polls `check` until it returns a value (not undefined), or fails with the last thing seen. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function status(address: string): Promise<StatusJson> {
  const r = await runCli(['status', address, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as StatusJson;
}

const counters = (out: string) => [...out.matchAll(/\[counter\] counter: (\d+)/g)].map((m) => Number(m[1]));

export function conformanceSuite(name: string, start: () => Promise<ConformanceTarget>): void {
  describe(`conformance: ${name}`, { timeout: 240_000 }, () => {
    let t: ConformanceTarget;
    let project: Awaited<ReturnType<typeof projectCopy>>;
    let first: PushReport;
    before(async () => {
      [t, project] = await Promise.all([start(), projectCopy('examples/multi')]);
    });
    after(async () => {
      await t?.stop();
      if (project) await removeProjectBuildTags(project.dir, ['counter', 'frontend']);
      await project?.cleanup();
    });

    test('push (build on the device): a compose project with a Dockerfile.template and --env, followed until applied', async () => {
      const r = await runCli([
        'push',
        project.dir,
        '--device',
        t.address,
        '--detached',
        '--json',
        '--env',
        'frontend:GREETING=Conformance',
      ]);
      assert.equal(r.code, 0, r.stderr);
      first = PushReportSchema.parse(JSON.parse(r.stdout));
      assert.deepEqual(first.services.map((s) => s.name).sort(), ['counter', 'frontend']);
      for (const s of first.services) assert.match(s.state, /^Running/, `${s.name}: ${s.state}`);
      assert.ok(
        first.services.every((s) => s.sentBytes > 0 && s.method === undefined),
        'a device build sends the context and names no method',
      );
    });

    test('status: the release just pushed, both services running', async () => {
      const s = await status(t.address);
      assert.equal(s.release, first.release);
      assert.equal(s.appState, 'applied');
      assert.deepEqual(s.services.map((x) => [x.name, x.status]).sort(), [
        ['counter', 'Running'],
        ['frontend', 'Running'],
      ]);
    });

    test('logs -f: template values and --env in the output, counter lines in order, none twice', async () => {
      const logs = new CliSession(['logs', '-f', t.address]);
      try {
        await logs.waitFor(
          'a frontend line and three counter lines',
          (s) => /Conformance from frontend on genericx86-64-ext \(amd64\)/.test(s.stdout) && counters(s.stdout).length >= 3,
          45_000,
        );
      } finally {
        await logs.stop();
      }
      const lines = logs.stdout.split('\n').filter((l) => l.includes('[counter]'));
      assert.equal(new Set(lines).size, lines.length, `a line was shown twice:\n${lines.join('\n')}`);
      const n = counters(logs.stdout);
      for (let i = 1; i < n.length; i++) assert.equal(n[i], n[i - 1]! + 1, `gap or repeat in ${n.join(',')}`);
    });

    test('restart, stop and start a service through the supervisor API', async () => {
      const client = new DeviceClient(t.address);
      const startedAt = async () => {
        const id = await client.containerId('counter');
        const info = await t.engine.getContainer(id!).inspect();
        return { id: info.Id, running: info.State.Running, at: info.State.StartedAt };
      };
      const before = await startedAt();
      await client.restartService('counter');
      await until('counter restarted', async () => {
        const now = await startedAt();
        return now.running && (now.id !== before.id || now.at !== before.at) ? now : undefined;
      });
      await client.stopService('counter');
      await until('counter stopped', async () => {
        const s = await status(t.address);
        const c = s.services.find((x) => x.name === 'counter');
        return c && c.status !== 'Running' ? c : undefined;
      });
      await client.startService('counter');
      await until('counter running again', async () =>
        (await status(t.address)).services.find((x) => x.name === 'counter')?.status === 'Running' ? true : undefined,
      );
      await assert.rejects(client.restartService('nope'), /Service not found, a container must exist/);
    });

    test('push --build-on local after a one-line change: the device runs the image built here, sent as a delta', async () => {
      await appendFile(join(project.dir, 'frontend', 'show.sh'), '# one more line\n');
      const r = await runCli([
        'push',
        project.dir,
        '--device',
        t.address,
        '--detached',
        '--json',
        '--build-on',
        'local',
        '--env',
        'frontend:GREETING=Conformance',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const report = PushReportSchema.parse(JSON.parse(r.stdout));
      // the device built what it runs (not on this machine): the basis is the FROM image both sides hold
      for (const s of report.services) {
        assert.equal(s.method, t.localMethod, r.stderr);
        assert.ok(s.sentBytes <= 2 * s.deltaBytes + 2048, `${s.name}: sent ${s.sentBytes} for a delta of ${s.deltaBytes}`);
        assert.ok(s.sentBytes < s.imageBytes / 50, `${s.name}: ${s.sentBytes} sent against a ${s.imageBytes}-byte image`);
        const local = (await docker.getImage(localBuildTag({ dir: project.dir, name: 'app' }, s.name)).inspect()).Id;
        const id = await new DeviceClient(t.address).containerId(s.name);
        assert.equal((await t.engine.getContainer(id!).inspect()).Image, local, `${s.name}: same image id on the device as here`);
      }
      // a stock device without a node image gets the helper image once (its cost said apart); an agent needs none
      const helper = report.services.reduce((n, s) => n + (s.helperBytes ?? 0), 0);
      if (t.localMethod === 'delta-agent') assert.equal(helper, 0);
      else assert.ok(helper > 0, 'the helper was set up on this first local push');
    });

    test('--build-on local through a link that breaks: the delta resumes (helper path)', async (ctx) => {
      if (t.localMethod !== 'delta-helper') return ctx.skip('the agent path has its own resume test (push/sendDelta.test.ts)');
      const noise = join(project.dir, 'frontend', 'noise.bin');
      await writeFile(noise, randomBytes(2_500_000));
      await appendFile(join(project.dir, 'frontend', 'Dockerfile.template'), 'COPY noise.bin /app/noise.bin\n');
      const relay = await cuttingRelay(t.address, 23751, { host: t.address, port: 2375 });
      try {
        const r = await runCli([
          'push',
          project.dir,
          '--device',
          t.address,
          '--engine-port',
          '23751',
          '--detached',
          '--json',
          '--build-on',
          'local',
          '--service',
          'frontend',
          '--env',
          'frontend:GREETING=Conformance',
        ]);
        assert.equal(r.code, 0, r.stderr);
        const frontend = PushReportSchema.parse(JSON.parse(r.stdout)).services.find((s) => s.name === 'frontend')!;
        assert.equal(frontend.method, 'delta-helper', r.stderr);
        assert.equal(frontend.helperBytes, 0, 'the helper is there from the last push');
        assert.equal(relay.cuts(), 1, 'the relay cut one upload');
        assert.match(r.stderr, /resuming/);
        assert.ok(
          frontend.sentBytes < frontend.deltaBytes + 1_200_000,
          `resumed, not restarted (${frontend.sentBytes} for ${frontend.deltaBytes})`,
        );
        const local = (await docker.getImage(localBuildTag({ dir: project.dir, name: 'app' }, 'frontend')).inspect()).Id;
        const id = await new DeviceClient(t.address).containerId('frontend');
        assert.equal((await t.engine.getContainer(id!).inspect()).Image, local);
      } finally {
        relay.server.close();
        await rm(noise, { force: true });
      }
    });
  });
}
