// The simulated device's container policy: every way from a container to root on the developer's machine is
// taken out of a create body (and said), whichever compose key or engine client produced it; ordinary
// settings pass unchanged; --allow-privileged passes everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vetContainerBody, vetVolumeBody, insideRoots } from '../../../simulator/device/containerPolicy.js';

const data = mkdtempSync(join(tmpdir(), 'ep-policy-'));
const policy = { allowPrivileged: false, allowedHostRoots: [data] };

const hostile: [string, Record<string, unknown>][] = [
  ['privileged', { Privileged: true }],
  ['host root bind', { Binds: ['/:/hostroot'] }],
  ['docker socket', { Binds: ['/var/run/docker.sock:/var/run/docker.sock'] }],
  ['relative host path', { Binds: ['./x:/x'] }],
  ['bind mount', { Mounts: [{ Type: 'bind', Source: '/etc', Target: '/etc2' }] }],
  [
    'volume bound to /',
    {
      Mounts: [
        {
          Type: 'volume',
          Source: 'v',
          Target: '/v',
          VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } },
        },
      ],
    },
  ],
  ['device', { Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }],
  ['gpu', { DeviceRequests: [{ Count: -1, Capabilities: [['gpu']] }] }],
  ['sys_admin', { CapAdd: ['SYS_ADMIN'] }],
  ['all caps', { CapAdd: ['ALL'] }],
  ['cap_ prefixed', { CapAdd: ['CAP_SYS_MODULE'] }],
  ['host network', { NetworkMode: 'host' }],
  ['host pid', { PidMode: 'host' }],
  ['host ipc', { IpcMode: 'host' }],
  ['host uts', { UTSMode: 'host' }],
  ['host userns', { UsernsMode: 'host' }],
  ['host cgroupns', { CgroupnsMode: 'host' }],
  ['seccomp off', { SecurityOpt: ['seccomp=unconfined'] }],
  ['apparmor off', { SecurityOpt: ['apparmor:unconfined'] }],
  ['selinux off', { SecurityOpt: ['label=disable'] }],
  ['unmasked proc', { MaskedPaths: [] }],
  ['cgroup parent', { CgroupParent: '/system.slice' }],
  ['other runtime', { Runtime: 'runsc-debug' }],
];

test('each way to host root is refused, named, and taken out of the body', () => {
  for (const [what, hc] of hostile) {
    const { body, refused } = vetContainerBody({ Image: 'x', HostConfig: hc }, policy);
    assert.equal(refused.length, 1, `${what}: ${JSON.stringify(refused)}`);
    const out = body.HostConfig as Record<string, unknown>;
    const again = vetContainerBody(body, policy);
    assert.deepEqual(again.refused, [], `${what}: what is left passes (${JSON.stringify(out)})`);
  }
});

test('ordinary settings pass unchanged', () => {
  const hc = {
    Binds: ['ep-dev_1_data:/data', `${data}/locks/1/main:/tmp/balena`],
    Mounts: [
      { Type: 'tmpfs', Target: '/run' },
      { Type: 'volume', Source: 'v', Target: '/v' },
    ],
    CapAdd: ['NET_BIND_SERVICE', 'SYS_NICE'],
    CapDrop: ['ALL'],
    NetworkMode: 'ep-dev_1_default',
    SecurityOpt: ['no-new-privileges:true'],
    Privileged: false,
    Sysctls: { 'net.ipv4.ip_forward': '1' },
  };
  const { body, refused } = vetContainerBody({ Image: 'x', HostConfig: hc }, policy);
  assert.deepEqual(refused, []);
  assert.deepEqual(body.HostConfig, hc);
});

test('a symlink inside the data dir that points out of it is followed', () => {
  const link = join(data, 'escape');
  symlinkSync('/etc', link);
  assert.equal(insideRoots(join(link, 'shadow'), [data]), false);
  assert.equal(insideRoots(join(data, 'not-yet/there'), [data]), true);
  assert.equal(insideRoots(`${data}/../x`, [data]), false);
});

test('--allow-privileged passes everything; volumes bound to host paths are refused too', () => {
  for (const [, hc] of hostile) assert.deepEqual(vetContainerBody({ HostConfig: hc }, { ...policy, allowPrivileged: true }).refused, []);
  assert.equal(vetVolumeBody({ Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/etc' } }, policy).refused.length, 1);
  assert.deepEqual(vetVolumeBody({ Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: `${data}/v` } }, policy).refused, []);
  assert.deepEqual(vetVolumeBody({ Name: 'v' }, policy).refused, []);
});

test('keys in other cases (the engine matches them case-insensitively) are vetted the same, ambiguity refused', () => {
  const { body, refused } = vetContainerBody(
    { Image: 'x', hostconfig: { privileged: true, binds: ['/:/h'], MOUNTS: [{ type: 'bind', source: '/etc', target: '/e' }] } },
    policy,
  );
  assert.equal(refused.length, 3, JSON.stringify(refused));
  assert.deepEqual(Object.keys(body).sort(), ['HostConfig', 'Image']);
  assert.throws(() => vetContainerBody({ HostConfig: {}, hostConfig: { Privileged: true } }, policy), /ambiguous/);
  assert.throws(() => vetContainerBody({ HostConfig: { Privileged: false, privileged: true } }, policy), /ambiguous/);
  assert.equal(vetVolumeBody({ Name: 'v', driveropts: { Device: '/', O: 'bind' } }, policy).refused.length, 1);
});
