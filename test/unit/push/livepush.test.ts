// Livepush planning: directives, the final stage, which files land where, which RUN steps re-run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalStage, liveDockerfile, logicalLines } from '../../../simulator/push/livepush/dockerfileSteps.js';
import { containerPathOf, planSync } from '../../../simulator/push/livepush/plan.js';

const dockerfile = `FROM builder AS build
RUN make
FROM edgepush-base/node:latest
WORKDIR /usr/src/app
COPY package.json ./
RUN npm install \\
    --production
#dev-run=echo dev only
COPY src/ ./src/
ENV MODE=prod
#dev-env=MODE=dev
RUN echo built > /built
COPY --from=build /out /out
#dev-cmd-live=node src/watch.js
CMD ["node", "src/index.js"]
`;

test('continuations are joined and plain comments dropped; directives kept', () => {
  const lines = logicalLines(dockerfile).map((l) => l.text);
  assert.ok(lines.includes('RUN npm install --production'));
  assert.ok(lines.includes('#dev-run=echo dev only'));
});

test('live Dockerfile: directives become instructions where they stand, #dev-cmd-live the last CMD', () => {
  const live = liveDockerfile(dockerfile);
  assert.match(live, /RUN echo dev only\nCOPY src\/ \.\/src\//);
  assert.match(live, /ENV MODE=dev/);
  assert.ok(live.trimEnd().endsWith('CMD node src/watch.js'));
  assert.equal(liveDockerfile('FROM x\nCMD a\n'), 'FROM x\nCMD a\n');
});

test('the final stage is what livepush works on', () => {
  const stage = finalStage(dockerfile);
  assert.equal(stage[0]!.kind, 'FROM');
  assert.equal(stage[0]!.kind === 'FROM' && stage[0]!.image, 'edgepush-base/node:latest');
  assert.ok(!stage.some((i) => i.kind === 'RUN' && i.command === 'make'));
});

test('container paths follow COPY semantics', () => {
  assert.equal(containerPathOf('a/b.txt', ['.'], '/app', '/'), '/app/a/b.txt');
  assert.equal(containerPathOf('src/x.js', ['src/'], './src/', '/usr/src/app'), '/usr/src/app/src/x.js');
  assert.equal(containerPathOf('package.json', ['package.json'], './', '/w'), '/w/package.json');
  assert.equal(containerPathOf('package.json', ['package.json'], '/etc/pkg.json', '/w'), '/etc/pkg.json');
  assert.equal(containerPathOf('lib/a.sh', ['*.sh'], '/bin/', '/'), undefined);
  assert.equal(containerPathOf('run.sh', ['*.sh'], '/bin/', '/'), '/bin/run.sh');
  assert.equal(containerPathOf('other/x', ['src'], '/app', '/'), undefined);
});

test('a changed source file is copied; RUN steps after its COPY re-run with their WORKDIR and ENV; then restart', () => {
  const stage = finalStage(liveDockerfile(dockerfile));
  const plan = planSync(stage, ['src/index.js'], []);
  assert.deepEqual(plan.steps, [
    { kind: 'copy', files: [{ from: 'src/index.js', to: '/usr/src/app/src/index.js' }] },
    { kind: 'run', command: 'echo built > /built', workdir: '/usr/src/app', env: { MODE: 'dev' } },
    { kind: 'restart' },
  ]);
});

test('a change to an early COPY re-runs every later RUN, in order', () => {
  const plan = planSync(finalStage(liveDockerfile(dockerfile)), ['package.json'], []);
  assert.deepEqual(
    plan.steps.filter((s) => s.kind === 'run').map((s) => s.kind === 'run' && s.command),
    ['npm install --production', 'echo dev only', 'echo built > /built'],
  );
});

test('deletions are removed in the container; files outside every COPY change nothing and need no restart', () => {
  const stage = finalStage('FROM x\nWORKDIR /app\nCOPY . /app\nCMD sh run.sh\n');
  const del = planSync(stage, [], ['old.txt']);
  assert.deepEqual(del.steps, [{ kind: 'delete', paths: ['/app/old.txt'] }, { kind: 'restart' }]);
  const none = planSync(finalStage('FROM x\nCOPY src /app\n'), ['docs/readme.md'], []);
  assert.deepEqual(none.steps, []);
  assert.deepEqual(none.unmatched, ['docs/readme.md']);
});

test('ARG defaults and ENV values are expanded in WORKDIR and COPY paths (quoted or not)', () => {
  const stage = finalStage('FROM x\nARG SRC=src\nENV APP_HOME=/srv/app\nWORKDIR ${APP_HOME}\nCOPY "$SRC/app" ./code/\nCOPY ${CFG:-conf} /etc/app/\nRUN make\n');
  const plan = planSync(stage, ['src/app/main.js', 'conf/a.yml'], []);
  assert.deepEqual(plan.steps[0], { kind: 'copy', files: [{ from: 'conf/a.yml', to: '/etc/app/a.yml' }, { from: 'src/app/main.js', to: '/srv/app/code/main.js' }] });
  assert.deepEqual(plan.unmatched, []);
  assert.equal(plan.steps[1]?.kind, 'run');
});
