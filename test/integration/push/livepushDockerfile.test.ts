// Livepush on a Dockerfile as real projects write them: ARG and ENV in WORKDIR and COPY paths (a quoted one
// too), a heredoc RUN, a build stage feeding the image through COPY --from. An edit is copied to where the
// expanded paths put it and the heredoc RUN re-runs in the container, with no rebuild; an edit to a file built
// in the other stage falls back to a rebuild, said in one line, and the rebuilt image has it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliSession, execUntil, startDevice, type TestDevice } from './harness.js';
import { testAddress } from '../../testNet.js';

const FILES: Record<string, string> = {
  Dockerfile: [
    'FROM edgepush-base/busybox:latest AS gen',
    'COPY gen/ /gen/',
    'RUN tr a-z A-Z < /gen/input.txt > /gen/out.txt',
    'FROM edgepush-base/busybox:latest',
    'ARG SRC=src',
    'ENV APP_HOME=/srv/app',
    'WORKDIR ${APP_HOME}',
    'COPY "$SRC/" ./code/',
    'COPY --from=gen /gen/out.txt ./generated.txt',
    'RUN <<EOF',
    'set -e',
    'cat code/parts/*.txt > combined.txt',
    'echo "heredoc ran in $(pwd)"',
    'EOF',
    'CMD ["sh", "/srv/app/code/run.sh"]',
    '',
  ].join('\n'),
  'src/run.sh': [
    "trap 'exit 0' TERM INT",
    'while :; do',
    '  echo "live: $(cat code/message.txt) parts=$(tr -d \'\\n\' < combined.txt) gen=$(cat generated.txt)"',
    '  sleep 1 & wait $!',
    'done',
    '',
  ].join('\n'),
  'src/message.txt': 'one\n',
  'src/parts/a.txt': 'A1\n',
  'gen/input.txt': 'first\n',
};

const syncs = (s: CliSession) => (s.stderr.match(/livepush: \[main\] \d+ copied/g) ?? []).length;

describe('livepush on a Dockerfile with ARG/ENV paths, a heredoc RUN and a build stage', () => {
  let dev: TestDevice;
  let root: string;
  let dir: string;
  let push: CliSession;
  before(async () => {
    dev = await startDevice(testAddress(60, 30), 'ep11-live');
    root = await mkdtemp(join(tmpdir(), 'ep11-live-'));
    dir = join(root, 'app');
    for (const [p, text] of Object.entries(FILES)) {
      await mkdir(dirname(join(dir, p)), { recursive: true });
      await writeFile(join(dir, p), text);
    }
    push = new CliSession(['push', dir, '--device', dev.address]);
    await push.waitFor('livepush to be watching', (s) => /livepush: watching main/.test(s.stderr), 120_000);
    await push.waitFor('the first line', (s) => /live: one parts=A1 gen=FIRST/.test(s.stdout));
  });
  after(async () => {
    await push?.stop();
    await dev?.cleanup();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('an edit lands where the expanded paths put it; the heredoc RUN re-runs in the container; no rebuild', async () => {
    const n = syncs(push);
    await writeFile(join(dir, 'src', 'parts', 'b.txt'), 'B1\n');
    await push.waitFor('the sync', (s) => syncs(s) > n, 30_000);
    assert.match(push.stderr, /livepush: \[main\] 1 copied, 0 deleted, 1 RUN re-run, restarted/);
    assert.match(push.stderr, /livepush: \[main\] heredoc ran in \/srv\/app/, 'the heredoc script ran in the WORKDIR from ENV');
    assert.equal(
      await execUntil(dev.address, 'main', ['cat', '/srv/app/code/parts/b.txt'], (o) => o === 'B1\n'),
      'B1\n',
      'not at a literal $SRC or ${APP_HOME} path',
    );
    await push.waitFor('the re-run RUN to show', (s) => /live: one parts=A1B1 gen=FIRST/.test(s.stdout), 20_000);
    assert.doesNotMatch(push.stderr, /rebuilding/);
  });

  test('a file built in the other stage falls back to a rebuild, said in one line', async () => {
    await writeFile(join(dir, 'gen', 'input.txt'), 'second\n');
    await push.waitFor('the rebuild', (s) => /livepush: rebuilt, release/.test(s.stderr), 120_000);
    const said = push.stderr.split('\n').filter((l) => l.startsWith('livepush:') && l.includes('gen/input.txt'));
    assert.deepEqual(said, [
      "livepush: [main] gen/input.txt goes into stage 'gen' (Dockerfile line 2), which livepush cannot update in place; rebuilding",
    ]);
    await push.waitFor('the rebuilt image to run', (s) => /live: one parts=A1B1 gen=SECOND/.test(s.stdout), 30_000);
  });
});
