import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deltaBars, savingText } from '../../../webview/dashboard/deltaBars.js';
import { timelineSteps } from '../../../webview/dashboard/timeline.js';
import { formatRate, formatSeconds } from '../../../webview/format.js';
import { formatBytes } from '../../../simulator/shared/units.js';

const service = {
  name: 'main',
  imageBytes: 4_000_000,
  layerPullBytes: 2_000_000,
  librsyncBytes: 1_000_000,
  deltaBytes: 10_000,
  sentBytes: 10_500,
  transferSeconds: 0.1,
  state: 'Running',
};

test('bars are relative to the largest figure, and a tiny non-zero figure stays visible', () => {
  const [sb] = deltaBars([service]);
  assert.deepEqual(
    sb!.bars.map((b) => [b.key, b.widthPercent]),
    [
      ['image', 100],
      ['layers', 50],
      ['librsync', 25],
      ['delta', 0.5],
    ],
  );
  assert.equal(sb!.bars.find((b) => b.highlight)?.key, 'delta');
  assert.equal(sb!.savingFactor, 200);
});

test('times are given at a known link rate only', () => {
  const [slow] = deltaBars([service], 1_000_000);
  assert.equal(slow!.bars[0]!.seconds, 32);
  assert.equal(slow!.bars[3]!.seconds, 0.08);
  const [unknown] = deltaBars([service]);
  assert.equal(unknown!.bars[0]!.seconds, undefined);
  const [zero] = deltaBars([{ ...service, deltaBytes: 0 }]);
  assert.equal(zero!.bars[3]!.widthPercent, 0);
  assert.equal(zero!.savingFactor, undefined);
});

test('a local build says how it reached the device and what the helper cost', () => {
  const [helper] = deltaBars([{ ...service, method: 'delta-helper', helperBytes: 400_000 }]);
  assert.equal(helper!.method, 'delta via helper container');
  assert.equal(helper!.helperBytes, 400_000);
  const [built] = deltaBars([service]);
  assert.equal(built!.method, undefined, 'a device build names no method');
  assert.equal(built!.helperBytes, 0);
});

test('the timeline marks phases done, current (with percent and bytes) and pending', () => {
  const steps = timelineSteps(
    {
      name: 'main',
      phase: 'shipping',
      percent: 40,
      bytes: 1200,
      history: [
        { phase: 'building', atMs: 10 },
        { phase: 'shipping', atMs: 900 },
      ],
    },
    true,
  );
  assert.deepEqual(
    steps.map((s) => [s.phase, s.state]),
    [
      ['building', 'done'],
      ['shipping', 'current'],
      ['downloaded', 'pending'],
      ['installing', 'pending'],
      ['running', 'pending'],
    ],
  );
  assert.equal(steps[1]!.percent, 40);
  assert.equal(steps[1]!.bytes, 1200);
  assert.equal(steps[1]!.atMs, 900);
  assert.equal(steps[0]!.bytes, undefined);
});

test('a service that ends badly shows the phases it reached and then the failure', () => {
  const steps = timelineSteps(
    {
      name: 'main',
      phase: 'failed',
      history: [
        { phase: 'building', atMs: 1 },
        { phase: 'failed', atMs: 5 },
      ],
    },
    false,
  );
  assert.deepEqual(
    steps.map((s) => [s.phase, s.state]),
    [
      ['building', 'done'],
      ['failed', 'bad'],
    ],
  );
});

test('a running service at the end of a push is done, not current', () => {
  const steps = timelineSteps({ name: 'main', phase: 'running', history: [{ phase: 'running', atMs: 3 }] }, false);
  assert.ok(steps.every((s) => s.state === 'done'));
});

test('figures are formatted for people', () => {
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(2_140_000), '2.14 MB');
  assert.equal(formatSeconds(0.08), '80 ms');
  assert.equal(formatSeconds(75), '1 min 15 s');
  assert.equal(formatRate(1_000_000), '1.0 Mbit/s');
  assert.equal(formatRate(256_000), '256 kbit/s');
});

test('the saving is said the right way round', () => {
  assert.equal(savingText(200), '200× smaller than a layer pull');
  assert.equal(savingText(2.5), '2.5× smaller than a layer pull');
  assert.equal(savingText(0.4), '2.5× larger than a layer pull');
});
