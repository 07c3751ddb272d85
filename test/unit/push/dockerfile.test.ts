// Dockerfile choice per device: platforms as the balena CLI maps them, %%TEMPLATE%% variables, arch variants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDeviceType } from '../../../simulator/shared/deviceTypes.js';
import { platformOf, resolveTemplate, selectDockerfile } from '../../../simulator/push/project/dockerfile.js';

test('platforms as the balena CLI maps them; templates and variants follow the table', () => {
  assert.equal(platformOf('aarch64'), 'linux/arm64/v8');
  assert.equal(platformOf('armv7hf'), 'linux/arm/v7');
  assert.equal(platformOf('rpi'), 'linux/arm/v6');
  assert.equal(platformOf('amd64'), 'linux/amd64');
  assert.equal(platformOf('sparc'), undefined);
  const t = resolveDeviceType('raspberrypi3', undefined);
  assert.equal(selectDockerfile(['Dockerfile.armv7hf', 'Dockerfile.template'], t.deviceType, t.arch)?.file, 'Dockerfile.armv7hf');
  assert.equal(
    resolveTemplate('FROM edgepush-base/%%BALENA_ARCH%%-busybox\nENV T=%%BALENA_MACHINE_NAME%%', {
      ...t,
      serviceName: 'main',
      appName: 'a',
      releaseHash: 'r',
    }),
    'FROM edgepush-base/armv7hf-busybox\nENV T=raspberrypi3',
  );
});
