// Emulation of another arch: the binfmt handler registered, enabled and with the F flag, or a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emulationState, handlerUsable } from '../../../simulator/device/emulation.js';

test('binfmt handlers: registered, enabled and with the F flag, or a reason', () => {
  assert.deepEqual(handlerUsable('enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n'), { ok: true });
  assert.match(handlerUsable('disabled\nflags: PF\n').why!, /disabled/);
  assert.match(handlerUsable('enabled\nflags: P\n').why!, /F flag/);
  const files = (m: Record<string, string>) => (p: string) => m[p];
  assert.deepEqual(emulationState('amd64', files({}), 'amd64'), { ok: true, native: true });
  assert.deepEqual(
    emulationState(
      'aarch64',
      files({ '/proc/sys/fs/binfmt_misc/status': 'enabled', '/proc/sys/fs/binfmt_misc/qemu-aarch64': 'enabled\nflags: PF' }),
      'amd64',
    ),
    { ok: true, native: false },
  );
  const missing = emulationState('armv7hf', files({ '/proc/sys/fs/binfmt_misc/status': 'enabled' }), 'amd64');
  assert.ok(!missing.ok && /qemu-arm binfmt handler is not registered/.test(missing.reason));
  const unmounted = emulationState('aarch64', files({}), 'amd64');
  assert.ok(!unmounted.ok && /not mounted/.test(unmounted.reason));
});
