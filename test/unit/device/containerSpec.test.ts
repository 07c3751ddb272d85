import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerSpec, splitCommand, type DeviceEnv } from '../../../simulator/device/containerSpec.js';
import { makeScope } from '../../../simulator/device/scope.js';
import { normalizeApps, localStateSchema } from '../../../simulator/device/targetState.js';

const env: DeviceEnv = {
  uuid: 'u1',
  name: 'dev',
  deviceType: 'genericx86-64-ext',
  arch: 'amd64',
  supervisorAddress: 'http://127.0.10.5:48484',
  allowPrivileged: false,
  lockDir: (a, s) => `/data/locks/${a}/${s}`,
};
const scope = makeScope('dev');

function service(extra: Record<string, unknown>) {
  const st = localStateSchema.parse({
    local: { apps: { '1': { commit: 'c1', services: { '1': { serviceName: 'web', image: 'local_web', ...extra } } } } },
  });
  return normalizeApps(st)[0]!.services[0]!;
}

test('compose keys become the create body: env, command, ports, volumes, lock dir, labels', () => {
  const s = service({
    environment: { FOO: 'bar' },
    command: 'node server.js --port 80',
    ports: ['8080:80', '127.0.0.1:9000:9000/udp'],
    volumes: ['data:/data', '/srv:/srv:ro', '/anon'],
    labels: { mine: 'yes' },
    privileged: true,
    restart: 'on-failure',
  });
  const { body, name, hash, refused } = containerSpec(s, 'sha256:abc', scope, env);
  const hc = body.HostConfig as Record<string, unknown>;
  assert.equal(name, `ep-dev_1_web_${hash.slice(0, 12)}`);
  assert.deepEqual(body.Cmd, ['node', 'server.js', '--port', '80']);
  assert.ok((body.Env as string[]).includes('FOO=bar'));
  assert.ok((body.Env as string[]).includes('BALENA_APP_LOCK_PATH=/tmp/balena/updates.lock'));
  assert.ok((body.Env as string[]).includes('BALENA_SUPERVISOR_ADDRESS=http://127.0.10.5:48484'));
  assert.deepEqual(hc.PortBindings, {
    '80/tcp': [{ HostIp: '', HostPort: '8080' }],
    '9000/udp': [{ HostIp: '127.0.0.1', HostPort: '9000' }],
  });
  // a host path outside the device's data is refused on a simulated device (containerPolicy.ts), and said
  assert.deepEqual(hc.Binds, ['ep-dev_1_data:/data', '/data/locks/1/web:/tmp/balena', '/data/locks/1/web:/tmp/resin']);
  assert.deepEqual(refused, ['privileged mode', "bind mount of host path '/srv'"]);
  assert.deepEqual(body.Volumes, { '/anon': {} });
  assert.equal(hc.Privileged, false, 'privileged is not granted unless allowed');
  assert.deepEqual(hc.RestartPolicy, { Name: 'on-failure' });
  assert.equal(hc.NetworkMode, 'ep-dev_1_default');
  const labels = body.Labels as Record<string, string>;
  assert.equal(labels.mine, 'yes');
  assert.equal(labels['io.edgepush.device'], 'dev');
  assert.equal(labels['io.balena.service-name'], 'web');
});

test('the config hash changes with the config and the image, not otherwise', () => {
  const a = containerSpec(service({ environment: { A: '1' } }), 'sha256:1', scope, env).hash;
  assert.equal(containerSpec(service({ environment: { A: '1' } }), 'sha256:1', scope, env).hash, a);
  assert.notEqual(containerSpec(service({ environment: { A: '2' } }), 'sha256:1', scope, env).hash, a);
  assert.notEqual(containerSpec(service({ environment: { A: '1' } }), 'sha256:2', scope, env).hash, a);
});

test('host networking drops port bindings; privileged is honoured when allowed', () => {
  const { body } = containerSpec(service({ network_mode: 'host', ports: ['80:80'], privileged: true }), 'sha256:1', scope, {
    ...env,
    allowPrivileged: true,
  });
  const hc = body.HostConfig as Record<string, unknown>;
  assert.equal(hc.NetworkMode, 'host');
  assert.deepEqual(hc.PortBindings, {});
  assert.equal(hc.Privileged, true);
  assert.equal(body.NetworkingConfig, undefined);
});

test('balena-supported compose keys reach the create body as the supervisor maps them', () => {
  const s = service({
    tmpfs: ['/run', '/cache:size=1m'],
    shm_size: 268435456,
    mem_limit: '512m',
    mem_reservation: 1048576,
    cpus: 1.5,
    cpu_shares: 512,
    cpu_quota: 50000,
    cpuset: '0',
    dns: '9.9.9.9',
    dns_search: ['example.com'],
    dns_opt: ['use-vc'],
    ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 64 },
    sysctls: { 'net.core.somaxconn': '1024' },
    security_opt: ['no-new-privileges:true'],
    pid: 'host',
    ipc: 'shareable',
    userns_mode: 'host',
    group_add: ['dialout'],
    oom_score_adj: 100,
    oomKillDisable: true,
    pids_limit: 100,
    cgroup_parent: 'edge',
    hostname: 'box',
    domainname: 'example.com',
    stop_signal: 'SIGINT',
    stop_grace_period: '1m30s',
    healthcheck: { test: 'wget -q -O- localhost', interval: '5s', timeout: '2s', startPeriod: '1s', retries: 2 },
  });
  // With --allow-privileged: a default simulated device refuses the host namespaces and the cgroup parent
  // (containerPolicy.ts), which would say nothing about the mapping.
  const { body, refused } = containerSpec(s, 'sha256:abc', scope, { ...env, allowPrivileged: true });
  assert.deepEqual(refused, []);
  assert.deepEqual(containerSpec(s, 'sha256:abc', scope, env).refused, [
    "the host's pid namespace (pid: host)",
    "the host's userns_mode namespace (userns_mode: host)",
    "cgroup parent 'edge'",
  ]);
  const hc = body.HostConfig as Record<string, unknown>;
  assert.deepEqual(hc.Tmpfs, { '/run': '', '/cache': 'size=1m' });
  assert.equal(hc.ShmSize, 268435456);
  assert.equal(hc.Memory, 512 * 1024 * 1024);
  assert.equal(hc.MemoryReservation, 1048576);
  assert.equal(hc.NanoCpus, 1.5e9);
  assert.equal(hc.CpuShares, 512);
  assert.equal(hc.CpuQuota, 50000);
  assert.equal(hc.CpusetCpus, '0');
  assert.deepEqual(hc.Dns, ['9.9.9.9']);
  assert.deepEqual(hc.DnsSearch, ['example.com']);
  assert.deepEqual(hc.DnsOptions, ['use-vc']);
  assert.deepEqual(hc.Ulimits, [
    { Name: 'nofile', Soft: 1024, Hard: 2048 },
    { Name: 'nproc', Soft: 64, Hard: 64 },
  ]);
  assert.deepEqual(hc.Sysctls, { 'net.core.somaxconn': '1024' });
  assert.deepEqual(hc.SecurityOpt, ['no-new-privileges=true']);
  assert.equal(hc.PidMode, 'host');
  assert.equal(hc.IpcMode, 'shareable');
  assert.equal(hc.UsernsMode, 'host');
  assert.deepEqual(hc.GroupAdd, ['dialout']);
  assert.equal(hc.OomScoreAdj, 100);
  assert.equal(hc.OomKillDisable, true, 'camelCase keys (as the supervisor takes them) are read too');
  assert.equal(hc.PidsLimit, 100);
  assert.equal(hc.CgroupParent, 'edge');
  assert.equal(body.Hostname, 'box');
  assert.equal(body.Domainname, 'example.com');
  assert.equal(body.StopSignal, 'SIGINT');
  assert.equal(body.StopTimeout, 90);
  assert.deepEqual(body.Healthcheck, {
    Test: ['CMD-SHELL', 'wget -q -O- localhost'],
    Interval: 5e9,
    Timeout: 2e9,
    StartPeriod: 1e9,
    Retries: 2,
  });
});

test('defaults as the supervisor: 64 MiB shm, 10 s stop timeout; healthcheck disable means NONE', () => {
  const { body } = containerSpec(service({ healthcheck: { disable: true } }), 'sha256:abc', scope, env);
  assert.equal((body.HostConfig as Record<string, unknown>).ShmSize, 64 * 1024 * 1024);
  assert.equal(body.StopTimeout, 10);
  assert.deepEqual(body.Healthcheck, { Test: ['NONE'] });
});

test('compose command strings split like a shell word list', () => {
  assert.deepEqual(splitCommand(`sh -c 'echo hi there' "x y"`), ['sh', '-c', 'echo hi there', 'x y']);
});
