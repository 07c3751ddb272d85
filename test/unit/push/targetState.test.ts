// The target state a push posts, and --env parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProject } from '../../../simulator/push/project/loadProject.js';
import { buildTargetState, imageNameOf, parseEnvArgs } from '../../../simulator/push/targetState.js';

const current = {
  local: { name: 'my-device', config: { SUPERVISOR_LOCAL_MODE: '1', HOST_CONFIG_X: 'y' }, apps: { '1': { name: 'old', services: {} } } },
};

test('name and config are echoed unchanged; apps replaced; services numbered in compose order', async () => {
  const p = await loadProject('examples/multi', { deviceType: 'genericx86-64-ext', arch: 'amd64', releaseHash: 'r' });
  const t = buildTargetState(current, p, 'rel123', parseEnvArgs(['A=1', 'frontend:B=2', 'frontend:A=3'], ['counter', 'frontend']));
  assert.equal(t.local.name, 'my-device');
  assert.deepEqual(t.local.config, current.local.config);
  const app = (t.local.apps as Record<string, { commit: string; services: Record<string, Record<string, unknown>>; volumes: object }>)[
    '1'
  ]!;
  assert.equal(app.commit, 'rel123');
  assert.deepEqual(app.volumes, { 'shared-data': {} });
  assert.equal(app.services['1']!.serviceName, 'counter');
  assert.equal(app.services['2']!.serviceName, 'frontend');
  assert.equal(app.services['2']!.image, 'local_image_frontend:latest');
  assert.equal(app.services['2']!.serviceId, 2);
  assert.deepEqual(app.services['1']!.environment, { A: '1' });
  assert.deepEqual(app.services['2']!.environment, { GREETING: 'Hello', A: '3', B: '2' });
  assert.deepEqual(app.services['2']!.depends_on, ['counter']);
  assert.deepEqual(app.services['2']!.labels, { 'io.balena.update.strategy': 'download-then-kill' });
});

test('image names are local_image_<service>:latest in lower case', () => {
  assert.equal(imageNameOf('Main'), 'local_image_main:latest');
});

test('--env mistakes are invalid input', () => {
  assert.throws(() => parseEnvArgs(['NOEQUALS'], ['main']), /expected K=V or service:K=V/);
  assert.throws(() => parseEnvArgs(['ghost:A=1'], ['main']), /unknown service 'ghost'/);
  assert.throws(() => parseEnvArgs(['1BAD=1'], ['main']), /not a variable name/);
  assert.deepEqual(parseEnvArgs(['A=x=y', 'main:B='], ['main']), { all: { A: 'x=y' }, perService: { main: { B: '' } } });
});
