// The delta report (JSON shape and table), update following decisions, and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleReport, transferSecondsOf } from '../../../simulator/push/pushProject.js';
import { describePushEvent, formatReport } from '../../../simulator/push/format.js';
import { phaseOfDeviceEvent, updateSettled } from '../../../simulator/push/followUpdate.js';
import { exitCodeOf, PushFailure } from '../../../simulator/push/pushFailure.js';
import { versionAtLeast } from '../../../simulator/push/connect.js';
import { healthState, serviceCheck } from '../../../simulator/push/serviceHealth.js';
import { SseParser, LineSplitter } from '../../../simulator/shared/lineStream.js';
import { PushReportSchema } from '../../../simulator/push/types.js';
import { cancelled, invalidInput, unavailable } from '../../../simulator/shared/errors.js';
import type { StateStatus } from '../../../simulator/push/supervisorSchemas.js';

const status = (over: Partial<StateStatus> = {}): StateStatus => ({
  status: 'success',
  appState: 'applied',
  overallDownloadProgress: null,
  containers: [{ status: 'Running', serviceName: 'main', appId: 1, imageId: 1, serviceId: 1, containerId: 'c1', createdAt: null }],
  images: [],
  release: 'r2',
  ...over,
});

const built = [
  {
    name: 'main',
    imageId: 'sha256:b',
    basisImageId: 'sha256:a',
    sentBytes: 125_000,
    transferSeconds: 0.2,
    figures: { imageBytes: 2_000_000, layerPullBytes: 60_000, librsyncBytes: 40_000, deltaBytes: 3_000 },
  },
];

test('the --json report has exactly the documented keys', () => {
  const r = assembleReport('127.0.0.2', 'r2', built, status(), 1_000_000);
  assert.deepEqual(Object.keys(r), ['device', 'release', 'services']);
  assert.deepEqual(Object.keys(r.services[0]!).sort(), [
    'deltaBytes',
    'helperBytes',
    'imageBytes',
    'layerPullBytes',
    'librsyncBytes',
    'name',
    'sentBytes',
    'state',
    'transferSeconds',
  ]);
  assert.equal(r.services[0]!.helperBytes, 0);
  const shipped = assembleReport(
    '127.0.0.2',
    'r2',
    [{ ...built[0]!, method: 'delta-helper' as const, helperBytes: 400_000 }],
    status(),
    undefined,
  );
  assert.equal(shipped.services[0]!.method, 'delta-helper', 'a local build says how it got there');
  assert.equal(shipped.services[0]!.helperBytes, 400_000);
  assert.equal(r.services[0]!.transferSeconds, 1, '125 kB at 1 Mbit/s is one second');
  assert.equal(r.services[0]!.state, 'Running');
  PushReportSchema.parse(JSON.parse(JSON.stringify(r)));
});

test('transfer time: at the link rate when known, else measured', () => {
  assert.equal(transferSecondsOf(1000, 8000, 5), 1);
  assert.equal(transferSecondsOf(1000, undefined, 0.25), 0.25);
});

test('the report table shows every figure and compares the delta honestly', () => {
  const text = formatReport(assembleReport('dev', 'r2abcdef1234567', built, status(), undefined));
  assert.match(text, /Delta report for dev, release r2abcdef1234/);
  assert.match(text, /main\s+2\.00 MB\s+60\.0 KB\s+40\.0 KB\s+3\.00 KB\s+125\.0 KB/);
  assert.match(text, /20x smaller than a layer pull, 13x smaller than librsync/);
  const helper = formatReport(
    assembleReport('dev', 'r2', [{ ...built[0]!, method: 'delta-helper' as const, helperBytes: 400_000 }], status(), undefined),
  );
  assert.match(helper, /method\s+helper/);
  assert.match(helper, /125\.0 KB\s+delta-helper\s+400\.0 KB/);
  const bigger = formatReport(
    assembleReport(
      'dev',
      'r',
      [{ ...built[0]!, figures: { imageBytes: 10, layerPullBytes: 500, librsyncBytes: 500, deltaBytes: 1000 } }],
      status(),
      undefined,
    ),
  );
  assert.match(bigger, /2\.0x the size of a layer pull/);
});

test('update settled only for our release, with every service present', () => {
  assert.equal(updateSettled(status(), 'r2', ['main'], false, 0), true);
  assert.equal(updateSettled(status({ release: 'r1' }), 'r2', ['main'], true, 10_000), false);
  assert.equal(updateSettled(status({ appState: 'applying' }), 'r2', ['main'], true, 0), false);
  assert.equal(updateSettled(status(), 'r2', ['main', 'web'], true, 0), false);
  // a device that reports no release: applied after it was seen applying, or after the grace time
  assert.equal(updateSettled(status({ release: null }), 'r2', ['main'], false, 100), false);
  assert.equal(updateSettled(status({ release: null }), 'r2', ['main'], true, 100), true);
  assert.equal(updateSettled(status({ release: null }), 'r2', ['main'], false, 5000), true);
  // a device still naming the old release: only after it applied our update and stayed applied a while
  assert.equal(updateSettled(status({ release: 'r1' }), 'r2', ['main'], true, 9000, 1000), false);
  assert.equal(updateSettled(status({ release: 'r1' }), 'r2', ['main'], true, 9000, 6000), true);
  assert.equal(updateSettled(status({ release: 'r1' }), 'r2', ['main'], false, 9000, 6000), false);
});

test('device states map to push phases', async () => {
  const { phaseOfServiceState } = await import('../../../simulator/push/serviceState.js');
  assert.equal(phaseOfServiceState('Running'), 'running');
  assert.equal(phaseOfServiceState('Running (healthy)'), 'running');
  assert.equal(phaseOfServiceState('Installing'), 'installing');
  assert.equal(phaseOfServiceState('Handing over'), 'installing');
  assert.equal(phaseOfServiceState('exited'), 'exited');
  assert.equal(phaseOfServiceState('exited (code 1)'), 'exited');
  assert.equal(phaseOfServiceState('Restarting (exit 3, 2 restarts)'), 'exited');
  assert.equal(phaseOfServiceState('Dead'), 'failed'); // one answer for the CLI and the dashboard
  assert.equal(phaseOfDeviceEvent('downloading'), 'shipping');
  assert.equal(phaseOfDeviceEvent('removed'), undefined);
});

test('exit codes say what failed', () => {
  assert.equal(exitCodeOf(invalidInput('bad compose')), 2);
  assert.equal(exitCodeOf(new PushFailure('connect', 'unavailable', 'no answer')), 3);
  assert.equal(exitCodeOf(new PushFailure('build', 'internal', 'RUN failed')), 4);
  assert.equal(exitCodeOf(new PushFailure('apply', 'unavailable', 'timeout')), 5);
  assert.equal(exitCodeOf(cancelled()), 130);
  assert.equal(exitCodeOf(unavailable('x')), 3);
  assert.equal(exitCodeOf(new Error('bug')), 1);
});

test('supervisor version check', () => {
  assert.equal(versionAtLeast('14.11.4', [7, 21, 4]), true);
  assert.equal(versionAtLeast('7.21.4', [7, 21, 4]), true);
  assert.equal(versionAtLeast('7.21.3', [7, 21, 4]), false);
  assert.equal(versionAtLeast('v6.99.0', [7, 21, 4]), false);
});

test('SSE and line framing survive arbitrary chunk boundaries', () => {
  const text = 'event: update\ndata: {"a":1}\n\n: comment\ndata: {"b":\ndata: 2}\n\n';
  const p = new SseParser();
  const got = [...text].flatMap((ch) => p.push(ch));
  assert.deepEqual(got, [
    { event: 'update', data: '{"a":1}' },
    { event: 'message', data: '{"b":\n2}' },
  ]);
  const s = new LineSplitter();
  assert.deepEqual([...s.push('a\r\nb'), ...s.push('c\n'), ...s.flush()], ['a', 'bc']);
});

test('push events as terminal lines', () => {
  assert.deepEqual(describePushEvent({ type: 'service', service: 'main', phase: 'shipping', percent: 40, bytes: 2000 }), {
    text: '[main] shipping 40% 2.00 KB',
    transient: true,
  });
  assert.deepEqual(describePushEvent({ type: 'service', service: 'main', phase: 'running' }), { text: '[main] running', transient: false });
  assert.equal(describePushEvent({ type: 'report', report: { device: 'd', release: 'r', services: [] } }), undefined);
});

test("a crash-looping or stopped container is reported as such, not as the supervisor's Running", () => {
  const up = { running: true, restarting: false, restartCount: 0, exitCode: 0, startedAt: 0 };
  assert.equal(healthState('Running', up), 'Running');
  assert.equal(healthState('Running', { ...up, restarting: true, restartCount: 2, exitCode: 3 }), 'Restarting (exit 3, 2 restarts)');
  // caught while briefly up between two crashes: the engine has reset the exit code, the restart count says it
  assert.equal(healthState('Running', { ...up, restartCount: 1 }), 'Restarting (1 restart)');
  assert.equal(healthState('Running', { ...up, running: false, exitCode: 1 }), 'exited (code 1)');
  assert.equal(healthState('exited', { ...up, running: false, exitCode: 0 }), 'exited');
  assert.equal(healthState('Running', undefined), 'Running');
});

test('what is wrong with a service is a value beside its state, not read back from the text', () => {
  const up = { running: true, restarting: false, restartCount: 0, exitCode: 0, startedAt: 0 };
  assert.deepEqual(serviceCheck('Running', up), { state: 'Running' });
  assert.deepEqual(serviceCheck('Running', { ...up, health: 'healthy' }), { state: 'Running (healthy)' });
  assert.deepEqual(serviceCheck('Running', { ...up, health: 'unhealthy' }), { state: 'Running (unhealthy)', trouble: 'unhealthy' });
  assert.deepEqual(serviceCheck('Running', { ...up, restartCount: 1 }), { state: 'Restarting (1 restart)', trouble: 'restarting' });
  assert.deepEqual(serviceCheck('Running', { ...up, running: false, exitCode: 2 }), { state: 'exited (code 2)', trouble: 'exited' });
  assert.deepEqual(serviceCheck('exited', undefined), { state: 'exited', trouble: 'exited' }, 'no engine: the supervisor says it');
  assert.deepEqual(serviceCheck('Installing', undefined), { state: 'Installing' });
});

test('service states with health: only running and healthy count as up', async () => {
  const { serviceIsUp, statusWithHealth } = await import('../../../simulator/push/serviceState.js');
  const { healthOf } = await import('../../../simulator/device/currentState.js');
  assert.equal(statusWithHealth('Running', 'unhealthy'), 'Running (unhealthy)');
  assert.equal(statusWithHealth('Running', 'starting'), 'Running (health: starting)');
  assert.equal(statusWithHealth('Running', undefined), 'Running');
  assert.ok(serviceIsUp('Running') && serviceIsUp('Running (healthy)'));
  assert.ok(!serviceIsUp('Running (unhealthy)') && !serviceIsUp('Running (health: starting)') && !serviceIsUp('exited (code 1)'));
  assert.equal(healthOf('Up 3 seconds (health: starting)'), 'starting');
  assert.equal(healthOf('Up 1 minute (unhealthy)'), 'unhealthy');
  assert.equal(healthOf('Up 1 minute'), undefined);
});
