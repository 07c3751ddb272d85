// The board's initramfs: a newc cpio the kernel can unpack, with the virtio modules in load order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpioNewc, initramfsInit, initramfsModules } from '../../../simulator/board/initramfs.js';

test('newc cpio: 110-byte headers, names and data padded to 4 bytes, a trailer', () => {
  const out = cpioNewc([
    { name: 'init', mode: 0o100755, data: Buffer.from('#!/bin/sh\n') },
    { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
  ]);
  const text = out.toString('latin1');
  assert.equal(text.slice(0, 6), '070701');
  assert.equal(parseInt(text.slice(6 + 8 * 6, 6 + 8 * 7), 16), 10, 'file size of init');
  assert.equal(text.slice(110, 115), 'init\0');
  assert.equal(text.indexOf('#!/bin/sh\n') % 4, 0, 'data starts 4-aligned');
  const console = text.indexOf('dev/console') - 110;
  assert.equal(parseInt(text.slice(console + 6 + 8 * 9, console + 6 + 8 * 10), 16), 5, 'rdev major');
  assert.equal(parseInt(text.slice(console + 6 + 8 * 10, console + 6 + 8 * 11), 16), 1, 'rdev minor');
  assert.match(text, /TRAILER!!!\0/);
  assert.equal(out.length % 4, 0);
});

test('the init loads the virtio modules in dependency order, mounts /dev/vda and hands over to tini', () => {
  assert.deepEqual(
    initramfsModules.map((m) => m.split('/').pop()),
    [
      'virtio_ring.ko',
      'virtio.ko',
      'virtio_pci_legacy_dev.ko',
      'virtio_pci_modern_dev.ko',
      'virtio_pci.ko',
      'virtio_blk.ko',
      'failover.ko',
      'net_failover.ko',
      'virtio_net.ko',
    ],
  );
  assert.match(initramfsInit, /mount -t ext4 -o rw \/dev\/vda \/root/);
  assert.match(initramfsInit, /exec \$B switch_root \/root \/usr\/bin\/tini "\$@"/);
});
