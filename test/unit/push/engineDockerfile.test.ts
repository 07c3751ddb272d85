// The Dockerfile as sent to an engine (heredoc RUNs lowered, build-secret mounts), BuildKit's progress decoded
// from a trace a real Docker 20.10 streamed (test/fixtures/buildkit/run-failure.jsonl), and the base image
// followed through stages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { engineDockerfile } from '../../../simulator/push/build/engineDockerfile.js';
import { BuildkitTrace } from '../../../simulator/push/build/buildkitTrace.js';
import { baseImageOf, parseDockerfile } from '../../../simulator/push/project/dockerfileParse.js';

test('a plain Dockerfile goes to the engine unchanged', () => {
  const text = '# escape=`\nFROM x\nRUN echo a `\n  && echo b\nCOPY . /app\n';
  assert.deepEqual(engineDockerfile(text), { text, loweredHeredocs: [] });
});

test('heredoc RUNs become the exec form of the same script under the SHELL in effect; line numbers are kept', () => {
  const text = 'FROM x\nSHELL ["/bin/bash", "-c"]\nRUN <<EOF\necho "a b"\nexit 0\nEOF\nRUN python3 <<PY\nprint(1)\nPY\nCMD ["true"]\n';
  const out = engineDockerfile(text);
  assert.deepEqual(out.loweredHeredocs, [3, 7]);
  const lines = out.text.split('\n');
  assert.equal(lines.length, text.split('\n').length);
  assert.equal(lines[2], `RUN ${JSON.stringify(['/bin/bash', '-c', 'echo "a b"\nexit 0\n'])}`);
  assert.equal(lines[6], `RUN ${JSON.stringify(['/bin/bash', '-c', 'python3 <<PY\nprint(1)\nPY']).replace(/</g, '\\u003c')}`);
  assert.deepEqual(JSON.parse(lines[6]!.slice(4)), ['/bin/bash', '-c', 'python3 <<PY\nprint(1)\nPY']);
  assert.equal(lines[9], 'CMD ["true"]');
  // what the engine gets parses back to plain RUNs
  assert.ok(parseDockerfile(out.text).stages[0]!.instructions.every((i) => i.kind !== 'RUN' || i.form === 'exec'));
});

test('a heredoc script with #! runs by its own interpreter', () => {
  const out = engineDockerfile('FROM x\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n');
  const argv = JSON.parse(out.text.split('\n')[1]!.slice(4)) as string[];
  assert.deepEqual(argv.slice(0, 2), ['/bin/sh', '-c']);
  assert.match(argv[2]!, /#!\/usr\/bin\/env python3\nprint\(1\)\nEDGEPUSH_HEREDOC\nchmod \+x/);
});

test('with build secrets every RUN of every stage mounts the secrets image at /run/secrets; flags are kept', () => {
  const text =
    '# syntax=docker/dockerfile:1\nFROM x AS a\nRUN cat /run/secrets/k\nFROM y\nrun --network=none make \\\n  all\nRUN <<EOF\nmake\nEOF\nCOPY --from=a /o /o\n';
  const out = engineDockerfile(text, { secretsImage: 'edgepush-build-secrets:s-1' }).text.split('\n');
  const mount = '--mount=type=bind,from=edgepush-build-secrets:s-1,source=/run/secrets,target=/run/secrets';
  assert.equal(out[0], '# edgepush-ignored-syntax=docker/dockerfile:1');
  assert.equal(out[2], `RUN ${mount} cat /run/secrets/k`);
  assert.equal(out[4], `run ${mount} --network=none make \\`);
  assert.equal(out[6], `RUN ${mount} ${JSON.stringify(['/bin/sh', '-c', 'make\n'])}`);
  assert.equal(out[9], 'COPY --from=a /o /o');
});

test('COPY <<EOF (a heredoc file) is refused with its line: no engine of a balena device builds it', () => {
  assert.throws(() => engineDockerfile('FROM x\nCOPY <<EOF /etc/motd\nhi\nEOF\n'), /line 2: COPY <<EOF .* put the content in a file/);
});

test('BuildKit trace payloads become docker build --progress=plain lines', () => {
  const trace = new BuildkitTrace();
  const lines: string[] = [];
  const jsonl = readFileSync(resolve('test/fixtures/buildkit/run-failure.jsonl'), 'utf8');
  for (const raw of jsonl.split('\n').filter(Boolean)) {
    const m = JSON.parse(raw) as { id?: string; aux?: unknown };
    if (m.id === 'moby.buildkit.trace' && typeof m.aux === 'string') lines.push(...trace.push(m.aux));
  }
  const run = lines.find((l) => l.endsWith('RUN echo line-one && echo line-two'))!;
  const n = run.split(' ')[0]!;
  assert.deepEqual(
    lines
      .filter((l) => l.startsWith(`${n} `))
      .slice(0, 4)
      .map((l) => l.replace(/DONE [\d.]+s/, 'DONE')),
    [run, `${n} line-one`, `${n} line-two`, `${n} DONE`],
  );
  assert.ok(
    lines.some((l) => /^#\d+ ERROR: executor failed running \[\/bin\/sh -c false\]: exit code: 1$/.test(l)),
    lines.join('\n'),
  );
  assert.deepEqual(trace.push('not protobuf!'), []);
});

test('the base image is followed through FROM <stage> with global ARGs and build args', () => {
  const text = 'ARG BASE=debian\nARG TAG=12\nFROM ${BASE}:${TAG} AS base\nFROM base AS app\nRUN x\n';
  assert.equal(baseImageOf(text), 'debian:12');
  assert.equal(baseImageOf(text, { TAG: '11' }), 'debian:11');
  assert.equal(baseImageOf('FROM scratch\n'), undefined);
  assert.equal(baseImageOf('FROM $UNSET\n'), undefined);
});
