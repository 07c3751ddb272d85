import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boardArgs, hostForwards, type DebianBoardSpec } from '../../../simulator/board/qemuArgs.js';

const spec: DebianBoardSpec = {
  kind: 'debian',
  name: 'b1',
  address: '127.0.0.3',
  memoryMiB: 1024,
  cpus: 2,
  accel: 'tcg',
  overlay: '/s/b1/overlay.qcow2',
  console: '/s/b1/console.log',
  qmp: '/s/b1/qmp.sock',
  kernel: '/c/vmlinux',
  initrd: '/c/initrd.img',
  agentDisk: '/s/b1/agent.img',
  kernelArgs: ['console=ttyS0', 'quiet'],
  initArgs: ['--', '/sbin/edgeinit'],
  tscKHz: 2_600_000,
};

function valueAfter(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));
}

test('forwards the supervisor, engine and SSH ports from the chosen loopback address only', () => {
  assert.equal(
    hostForwards('127.0.40.7'),
    'hostfwd=tcp:127.0.40.7:48484-:48484,hostfwd=tcp:127.0.40.7:2375-:2375,hostfwd=tcp:127.0.40.7:22222-:22222',
  );
});

test('a Debian board boots its kernel directly under TCG with the console in a file and a QMP socket', () => {
  const argv = boardArgs(spec);
  assert.deepEqual(valueAfter(argv, '-accel'), ['tcg']);
  assert.deepEqual(valueAfter(argv, '-kernel'), ['/c/vmlinux']);
  assert.deepEqual(valueAfter(argv, '-initrd'), ['/c/initrd.img']);
  // both disks are virtio (a migratable device), the root disk first: /dev/vda in the guest, the agent /dev/vdb
  assert.deepEqual(
    valueAfter(argv, '-device').filter((d) => d.startsWith('virtio-blk')),
    ['virtio-blk-pci,drive=root,id=rootdisk', 'virtio-blk-pci,drive=agent,id=agentdisk'],
  );
  assert.deepEqual(valueAfter(argv, '-append'), ['console=ttyS0 quiet tsc_early_khz=2600000 -- /sbin/edgeinit']);
  assert.deepEqual(valueAfter(argv, '-qmp'), ['unix:/s/b1/qmp.sock,server=on,wait=off']);
  assert.ok(valueAfter(argv, '-chardev')[0]?.includes('path=/s/b1/console.log'));
  assert.ok(valueAfter(argv, '-drive').some((d) => d.startsWith('file=/s/b1/overlay.qcow2,') && d.includes('format=qcow2')));
  assert.ok(valueAfter(argv, '-drive').some((d) => d.startsWith('file=/s/b1/agent.img,') && d.includes('format=raw')));
  assert.ok(argv.includes('-no-reboot'), 'a guest power-off ends QEMU');
  assert.ok(argv.includes('edgepush-b1'), 'the process is recognisable as this board');
});

test('KVM uses the host CPU model', () => {
  const argv = boardArgs({ ...spec, accel: 'kvm' });
  assert.deepEqual(valueAfter(argv, '-accel'), ['kvm']);
  assert.deepEqual(valueAfter(argv, '-cpu'), ['host']);
});

test('a balenaOS image boots through UEFI firmware on q35 with its disk on SATA', () => {
  const argv = boardArgs({
    kind: 'balena',
    name: 'bal',
    address: '127.0.0.3',
    memoryMiB: 2048,
    cpus: 2,
    accel: 'tcg',
    overlay: '/s/bal/overlay.qcow2',
    console: '/s/bal/console.log',
    qmp: '/s/bal/qmp.sock',
    firmware: '/usr/share/ovmf/OVMF.fd',
  });
  assert.deepEqual(valueAfter(argv, '-M'), ['q35']);
  assert.deepEqual(valueAfter(argv, '-bios'), ['/usr/share/ovmf/OVMF.fd']);
  assert.ok(valueAfter(argv, '-device').includes('ide-hd,drive=disk,bus=ahci.0'));
  assert.equal(valueAfter(argv, '-kernel').length, 0);
  assert.ok(!argv.includes('-no-reboot'), 'balenaOS may reboot itself');
});
