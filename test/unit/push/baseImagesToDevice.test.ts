// Which edgepush-base images a push must find on the device, and what it does when the device lacks them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseImagesNamed, fromImagesOf, planBaseImages } from '../../../simulator/push/build/baseImagesToDevice.js';
import { withTag } from '../../../simulator/shared/imageRef.js';

test('every stage FROM an image counts, earlier stages and scratch do not, ARGs are expanded', () => {
  const text = [
    'ARG BASE=edgepush-base/node',
    'FROM ${BASE} AS build',
    'RUN echo hi',
    'FROM build AS again',
    'FROM scratch AS empty',
    'FROM edgepush-base/busybox:latest',
    'COPY --from=build /app /app',
  ].join('\n');
  assert.deepEqual(fromImagesOf(text), ['edgepush-base/node', 'edgepush-base/busybox:latest']);
  assert.deepEqual(fromImagesOf(text, { BASE: 'debian:12' }), ['debian:12', 'edgepush-base/busybox:latest']);
});

test('only edgepush-base images are shipped, each once and tagged', () => {
  const services = [
    { dockerfileText: 'FROM edgepush-base/busybox\n', buildArgs: {} },
    { dockerfileText: 'FROM edgepush-base/busybox:latest\nRUN true\n', buildArgs: {} },
    { dockerfileText: 'FROM alpine:3\n', buildArgs: {} },
    { dockerfileText: undefined, buildArgs: {} },
  ];
  assert.deepEqual(baseImagesNamed(services), ['edgepush-base/busybox:latest']);
  assert.equal(withTag('edgepush-base/amd64-busybox'), 'edgepush-base/amd64-busybox:latest');
  assert.equal(withTag('host:5000/edgepush-base/x'), 'host:5000/edgepush-base/x:latest');
});

test('the plan: present on the device → nothing; here → copy; nowhere → build here, then copy', () => {
  const named = ['edgepush-base/busybox:latest', 'edgepush-base/node:latest', 'edgepush-base/x:latest'];
  const plan = planBaseImages(named, new Set(['edgepush-base/busybox:latest']), new Set(['edgepush-base/node:latest']));
  assert.deepEqual(
    plan.map((s) => s.kind),
    ['present', 'copy', 'build-here-then-copy'],
  );
});
