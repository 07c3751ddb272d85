// Discovery and build helpers that need no network: which interface a reply came in on, cache sources, and the
// CLI's log filter semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interfaceFor, simulatedAddressOf } from '../../../simulator/push/discovery.js';
import { cacheSources } from '../../../simulator/push/build/buildServices.js';
import { logFilter } from '../../../simulator/cli/commands/logs.js';

test('a reply is attributed to the interface whose subnet holds its address', () => {
  const ifaces = [
    { name: 'eth0', address: '192.168.1.10', netmask: '255.255.255.0' },
    { name: 'wlan0', address: '10.1.0.5', netmask: '255.255.0.0' },
  ];
  assert.equal(interfaceFor('10.1.7.9', ifaces)?.name, 'wlan0');
  assert.equal(interfaceFor('192.168.1.77', ifaces)?.name, 'eth0');
  assert.equal(interfaceFor('172.16.0.1', ifaces), undefined);
  assert.equal(interfaceFor('fe80::1', ifaces), undefined);
});

test('cache sources: the current image first, then tagged images, bounded', () => {
  const images = [
    { Id: 'sha256:a', RepoTags: ['x:latest'] },
    { Id: 'sha256:b', RepoTags: ['<none>:<none>'] },
    { Id: 'sha256:c', RepoTags: null },
    ...Array.from({ length: 100 }, (_, i) => ({ Id: `sha256:t${i}`, RepoTags: [`t${i}:latest`] })),
  ];
  const s = cacheSources(images, 'sha256:current');
  assert.equal(s[0], 'sha256:current');
  assert.equal(s[1], 'sha256:a');
  assert.ok(!s.includes('sha256:b') && !s.includes('sha256:c'), 'untagged images are not listed');
  assert.equal(s.length, 40);
});

test('logs --service/--system as balena has them', () => {
  assert.deepEqual(logFilter([], false), { services: undefined, system: true });
  assert.deepEqual(logFilter([], true), { services: [], system: true });
  assert.deepEqual(logFilter(['main'], false), { services: ['main'], system: false });
  assert.deepEqual(logFilter(['main'], true), { services: ['main'], system: true });
});

test('running simulated devices are recognised from their command line', () => {
  assert.equal(simulatedAddressOf(['/usr/bin/node', '/x/dist/cli.js', 'device', '--address', '127.0.0.9', '--name', 'a']), '127.0.0.9');
  assert.equal(simulatedAddressOf(['node', '/usr/local/bin/edgepush', 'device', '--address=127.0.0.8']), '127.0.0.8');
  assert.equal(simulatedAddressOf(['node', '/x/dist/cli.js', 'push', '.', '--device', '127.0.0.9']), undefined);
  assert.equal(simulatedAddressOf(['node', 'other.js', 'device', '--address', '127.0.0.9']), undefined);
});
