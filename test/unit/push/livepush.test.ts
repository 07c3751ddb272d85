// Livepush planning: directives, the final stage, which files land where, which RUN steps re-run, and what
// falls back to a rebuild.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalStage, liveDockerfile } from '../../../simulator/push/livepush/dockerfileSteps.js';
import { containerPathOf, planSync, type LiveStep } from '../../../simulator/push/livepush/plan.js';
import { parseDockerfile } from '../../../simulator/push/project/dockerfileParse.js';

const p = parseDockerfile;
const sh = (command: string) => ['/bin/sh', '-c', command];
const runs = (steps: LiveStep[]) => steps.filter((s) => s.kind === 'run').map((s) => s.kind === 'run' && s.command);

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

test('continuations are joined, also with comments inside the continued instruction', () => {
  const stage = finalStage('FROM x\nRUN npm install \\\n# a comment\n    --production\n');
  assert.ok(stage.some((i) => i.kind === 'RUN' && i.command.replace(/\s+/g, ' ') === 'npm install --production'));
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
  assert.equal(stage[0]!.kind, 'FROM');
  const plan = planSync(p(liveDockerfile(dockerfile)), ['src/index.js'], []);
  assert.deepEqual(plan.steps, [
    { kind: 'copy', files: [{ from: 'src/index.js', to: '/usr/src/app/src/index.js' }] },
    { kind: 'run', argv: sh('echo built > /built'), command: 'echo built > /built', workdir: '/usr/src/app', env: { MODE: 'dev' } },
    { kind: 'restart' },
  ]);
});

test('a change to an early COPY re-runs every later RUN, in order', () => {
  const plan = planSync(p(liveDockerfile(dockerfile)), ['package.json'], []);
  assert.deepEqual(
    runs(plan.steps).map((c) => (c as string).replace(/\s+/g, ' ')),
    ['npm install --production', 'echo dev only', 'echo built > /built'],
  );
});

test('deletions are removed in the container; files outside every COPY change nothing and need no restart', () => {
  const del = planSync(p('FROM x\nWORKDIR /app\nCOPY . /app\nCMD sh run.sh\n'), [], ['old.txt']);
  assert.deepEqual(del.steps, [{ kind: 'delete', paths: ['/app/old.txt'] }, { kind: 'restart' }]);
  const none = planSync(p('FROM x\nCOPY src /app\n'), ['docs/readme.md'], []);
  assert.deepEqual(none.steps, []);
  assert.deepEqual(none.unmatched, ['docs/readme.md']);
});

test('ARG defaults and ENV values are expanded in WORKDIR and COPY paths (quoted or not)', () => {
  const plan = planSync(
    p('FROM x\nARG SRC=src\nENV APP_HOME=/srv/app\nWORKDIR ${APP_HOME}\nCOPY "$SRC/app" ./code/\nCOPY ${CFG:-conf} /etc/app/\nRUN make\n'),
    ['src/app/main.js', 'conf/a.yml'],
    [],
  );
  assert.deepEqual(plan.steps[0], {
    kind: 'copy',
    files: [
      { from: 'conf/a.yml', to: '/etc/app/a.yml' },
      { from: 'src/app/main.js', to: '/srv/app/code/main.js' },
    ],
  });
  assert.deepEqual(plan.unmatched, []);
  assert.equal(plan.steps[1]?.kind, 'run');
});

test('build args win over ARG defaults; global ARGs come in when a stage re-declares them', () => {
  const text = 'ARG ROOT=/opt\nFROM x\nARG ROOT\nARG SRC=src\nWORKDIR $ROOT/app\nCOPY $SRC/ ./\n';
  assert.deepEqual(planSync(p(text), ['lib/a.js'], [], { buildArgs: { SRC: 'lib' } }).steps[0], {
    kind: 'copy',
    files: [{ from: 'lib/a.js', to: '/opt/app/a.js' }],
  });
  assert.deepEqual(planSync(p(text), ['src/a.js'], []).steps[0], { kind: 'copy', files: [{ from: 'src/a.js', to: '/opt/app/a.js' }] });
});

test('# escape=` with backtick continuations; heredoc RUNs re-run as their script, by the SHELL in effect', () => {
  const text =
    '# escape=`\nFROM x\nWORKDIR /w\nCOPY app.sh ./\nRUN echo a `\n  && echo b\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN <<EOF\nset -e\necho "$HOME"\nEOF\nRUN cat <<-EOT > /etc/x\n\tline\n\tEOT\nRUN ["/w/app.sh", "--check"]\n';
  const plan = planSync(p(text), ['app.sh'], []);
  const argv = plan.steps.filter((s) => s.kind === 'run').map((s) => s.kind === 'run' && s.argv);
  assert.deepEqual(argv, [
    sh('echo a   && echo b'),
    ['/bin/bash', '-o', 'pipefail', '-c', 'set -e\necho "$HOME"\n'],
    ['/bin/bash', '-o', 'pipefail', '-c', 'cat <<-EOT > /etc/x\n\tline\n\tEOT'],
    ['/w/app.sh', '--check'],
  ]);
});

test('USER and numeric --chown/--chmod are kept; COPY --from is never synced from the context', () => {
  const text =
    'FROM node AS build\nRUN make\nFROM x\nUSER 1000\nCOPY --chown=1000:100 --chmod=750 run.sh /app/\nCOPY --from=build /out /app/out\nRUN ./check\n';
  const plan = planSync(p(text), ['run.sh', 'out/x'], []);
  assert.deepEqual(plan.steps[0], { kind: 'copy', files: [{ from: 'run.sh', to: '/app/run.sh', uid: 1000, gid: 100, mode: 0o750 }] });
  assert.equal(plan.steps[1]?.kind === 'run' && plan.steps[1].user, '1000');
  assert.deepEqual(plan.unmatched, ['out/x']);
});

test('what cannot be done in the running container falls back to a rebuild, said in one line', () => {
  const multi =
    'FROM node AS build\nWORKDIR /src\nCOPY src/ ./\nRUN npm run build\nFROM --platform=$TARGETPLATFORM x\nCOPY --from=build /src/dist /app\n';
  const built = planSync(p(multi), ['src/main.ts'], []);
  assert.deepEqual(built.steps, []);
  assert.match(built.rebuild!, /^src\/main\.ts goes into stage 'build' \(Dockerfile line 3\)/);
  assert.ok(!built.rebuild!.includes('\n'));
  // a stage the image does not use changes nothing
  assert.equal(planSync(p('FROM a AS tools\nCOPY src /s\nFROM x\nCOPY conf /c\n'), ['src/a'], []).rebuild, undefined);
  assert.match(planSync(p('FROM x\nADD vendor.tar.gz /opt/\n'), ['vendor.tar.gz'], []).rebuild!, /archive that ADD .* extracts/);
  assert.match(planSync(p('FROM x\nCOPY --chown=node:node . /app\n'), ['a.js'], []).rebuild!, /--chown=node:node/);
  const mounts = 'FROM x\nCOPY . /app\nRUN --mount=type=cache,target=/root/.cache pip install -r /app/req.txt\n';
  assert.match(planSync(p(mounts), ['req.txt'], []).rebuild!, /RUN at Dockerfile line 3 needs its build mounts/);
  assert.match(planSync(p('FROM x\nCOPY . /app\nRUN make\n'), ['a.c'], [], { buildSecrets: true }).rebuild!, /build secrets/);
  // a change with no RUN after it needs no secrets
  assert.equal(planSync(p('FROM x\nRUN make\nCOPY . /app\n'), ['a.c'], [], { buildSecrets: true }).rebuild, undefined);
});

test('compose build.target picks the stage livepush works on', () => {
  const text = 'FROM x AS dev\nCOPY . /dev\nFROM x AS prod\nCOPY . /prod\n';
  assert.deepEqual(planSync(p(text), ['a'], [], { target: 'dev' }).steps[0], { kind: 'copy', files: [{ from: 'a', to: '/dev/a' }] });
  assert.deepEqual(planSync(p(text), ['a'], []).steps[0], { kind: 'copy', files: [{ from: 'a', to: '/prod/a' }] });
});
