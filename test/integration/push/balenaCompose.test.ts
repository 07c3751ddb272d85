// A compose project using the keys real balena projects use (tmpfs, shm_size, dns, ulimits, sysctls, memory,
// stop grace period, healthcheck, a merge key, expose, balena.yml build variables) pushed to a real simulated
// device: the containers the device made are inspected on the engine and carry each setting; a service whose
// healthcheck fails is reported unhealthy and the push exits 5. A project that does not load posts nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deviceIdFrom } from '../../../simulator/device/scope.js';
import { PushReportSchema } from '../../../simulator/push/types.js';
import { DeviceClient } from '../../../simulator/push/deviceClient.js';
import { docker, execInService, runCli, startDevice, type TestDevice } from './harness.js';
import { testAddress } from '../../testNet.js';

const COMPOSE = `version: '2.4'
x-common: &common
  restart: always
  labels:
    io.balena.features.supervisor-api: '1'
services:
  web:
    <<: *common
    build: ./web
    expose: ["80"]
    tmpfs: [/scratch]
    shm_size: 128m
    dns: [9.9.9.9]
    dns_search: edge.example
    ulimits:
      nofile: { soft: 1024, hard: 2048 }
    sysctls:
      net.ipv4.ip_unprivileged_port_start: '100'
    mem_limit: 256m
    stop_grace_period: 5s
    stop_signal: SIGINT
    healthcheck:
      test: ["CMD", "test", "-f", "/greeting"]
      interval: 1s
      timeout: 1s
      retries: 2
  sick:
    <<: *common
    build: ./sick
    healthcheck:
      test: "exit 1"
      interval: 1s
      timeout: 1s
      retries: 2
`;
const LOOP = 'CMD ["sh", "-c", "trap \'exit 0\' INT TERM; while true; do sleep 1; done"]';
const FILES: Record<string, string> = {
  'docker-compose.yml': COMPOSE,
  'web/Dockerfile.template': `FROM edgepush-base/busybox:latest\nARG GREETING\nRUN echo "$GREETING on %%BALENA_ARCH%%" > /greeting\n${LOOP}\n`,
  'sick/Dockerfile': `FROM edgepush-base/busybox:latest\n${LOOP}\n`,
  '.balena/balena.yml': 'build-variables:\n  global:\n    - GREETING=hello from balena.yml\n',
};

async function writeProject(dir: string, files: Record<string, string>): Promise<void> {
  for (const [p, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, p)), { recursive: true });
    await writeFile(join(dir, p), text);
  }
}

async function inspectService(dev: TestDevice, service: string) {
  const rows = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`io.edgepush.device=${deviceIdFrom(dev.name)}`, `io.balena.service-name=${service}`] }),
  });
  assert.equal(rows.length, 1, `one container for ${service}`);
  return docker.getContainer(rows[0]!.Id).inspect();
}

describe('balena compose keys on a simulated device', () => {
  let dev: TestDevice;
  let root: string;
  before(async () => {
    dev = await startDevice(testAddress(60, 10), 'ep11-compose');
    root = await mkdtemp(join(tmpdir(), 'ep11-compose-'));
  });
  after(async () => {
    await dev?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('each setting reaches the container; the failing healthcheck is reported unhealthy and the push exits 5', async () => {
    const dir = join(root, 'app');
    await writeProject(dir, FILES);
    const r = await runCli(['push', dir, '--device', dev.address, '--detached', '--json'], 180_000);
    assert.equal(r.code, 5, `exit 5 for an unhealthy service\n${r.stderr}`);
    assert.match(r.stderr, /warning: docker-compose.yml:\d+: service 'web': service.expose is informational only/);
    const report = PushReportSchema.parse(JSON.parse(r.stdout));
    const states = Object.fromEntries(report.services.map((s) => [s.name, s.state]));
    assert.deepEqual(states, { web: 'Running (healthy)', sick: 'Running (unhealthy)' });
    assert.match(r.stderr, /not running: sick \(Running \(unhealthy\)\)/);

    const web = await inspectService(dev, 'web');
    const hc = web.HostConfig as Record<string, unknown>;
    assert.deepEqual(hc.Tmpfs, { '/scratch': '' });
    assert.equal(hc.ShmSize, 128 * 1024 * 1024);
    assert.deepEqual(hc.Dns, ['9.9.9.9']);
    assert.deepEqual(hc.DnsSearch, ['edge.example']);
    assert.deepEqual(hc.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
    assert.deepEqual(hc.Sysctls, { 'net.ipv4.ip_unprivileged_port_start': '100' });
    assert.equal(hc.Memory, 256 * 1024 * 1024);
    assert.equal(hc.RestartPolicy && (hc.RestartPolicy as { Name: string }).Name, 'always', 'from the merge key');
    const cfg = web.Config as unknown as Record<string, unknown>;
    assert.equal(cfg.StopTimeout, 5);
    assert.equal(cfg.StopSignal, 'SIGINT');
    assert.deepEqual((cfg.Healthcheck as { Test: string[] }).Test, ['CMD', 'test', '-f', '/greeting']);
    assert.equal((cfg.Labels as Record<string, string>)['io.balena.features.supervisor-api'], '1', 'labels from the merge key');
    assert.deepEqual(cfg.ExposedPorts ?? {}, {}, 'expose was stripped');
    // Inside the container: the tmpfs is mounted, the ulimit applies, the build variable and template were used.
    assert.match(
      await execInService(dev.address, 'web', [
        'sh',
        '-c',
        'grep " /scratch " /proc/mounts; ulimit -n; cat /greeting; cat /proc/sys/net/ipv4/ip_unprivileged_port_start',
      ]),
      /tmpfs[\s\S]*1024\s+hello from balena.yml on amd64\s+100/,
    );

    const status = await runCli(['status', dev.address, '--json']);
    const st = JSON.parse(status.stdout) as { services: Array<{ name: string; status: string }> };
    assert.deepEqual(Object.fromEntries(st.services.map((s) => [s.name, s.status])), {
      web: 'Running (healthy)',
      sick: 'Running (unhealthy)',
    });
  });

  test('a project that does not load posts nothing: a typo, a YAML error, a missing build secret', async () => {
    const client = new DeviceClient(dev.address);
    const before = JSON.stringify(await client.getTargetState());
    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        { ...FILES, 'docker-compose.yml': COMPOSE.replace('shm_size', 'shm_sise') },
        /docker-compose.yml:12: service 'web': shm_sise: unknown key 'shm_sise' \(did you mean 'shm_size'\?\)/,
      ],
      [
        { ...FILES, 'docker-compose.yml': COMPOSE.replace('    build: ./sick', '   build: ./sick') },
        /docker-compose.yml:\d+: not valid YAML/,
      ],
      [
        { ...FILES, '.balena/balena.yml': 'build-secrets:\n  global:\n    - source: token\n      dest: token\n' },
        /build secret file .balena\/secrets\/token \(for service 'web'\) is missing/,
      ],
    ];
    for (const [i, [files, re]] of cases.entries()) {
      const dir = join(root, `bad${i}`);
      await writeProject(dir, files);
      const r = await runCli(['push', dir, '--device', dev.address, '--detached']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /building|\[web\]/, 'nothing was built');
    }
    assert.equal(JSON.stringify(await client.getTargetState()), before, 'the target state is unchanged');
  });
});
