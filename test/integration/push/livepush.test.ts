// Livepush through `edgepush push` (attached): an edit, a file that feeds a RUN step, a deletion, edits in quick
// succession, an ignored file, and a Dockerfile change that rebuilds and keeps --env.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliSession, execInService, execUntil, startDevice, type TestDevice } from './harness.js';
import { testAddress } from '../../testNet.js';

const files: Record<string, string> = {
  Dockerfile: [
    'FROM edgepush-base/busybox:latest',
    'WORKDIR /app',
    'COPY . /app',
    'RUN cat /app/parts/*.txt > /app/combined.txt',
    '#dev-env=STAGE=dev',
    '#dev-cmd-live=sh /app/run.sh live-cmd',
    'CMD ["sh", "/app/run.sh", "normal-cmd"]',
    '',
  ].join('\n'),
  '.dockerignore': '*.tmp\n',
  'run.sh': [
    "trap 'exit 0' TERM INT",
    'while :; do',
    '  echo "live: $(cat /app/message.txt) who=$WHO mark=${MARK:-none} cmd=$1 stage=${STAGE:-prod}"',
    '  sleep 1 & wait $!',
    'done',
    '',
  ].join('\n'),
  'message.txt': 'one\n',
  'stale.txt': 'to be deleted\n',
  'parts/a.txt': 'A1\n',
  'parts/b.txt': 'B1\n',
};

const syncs = (s: CliSession) => (s.stderr.match(/livepush: \[main\] \d+ copied/g) ?? []).length;

describe('livepush', () => {
  let dev: TestDevice;
  let root: string;
  let dir: string;
  let push: CliSession;
  before(async () => {
    dev = await startDevice(testAddress(20, 12), 'ep4-live');
    root = await mkdtemp(join(tmpdir(), 'ep-push-live-'));
    dir = join(root, 'app');
    for (const [p, text] of Object.entries(files)) {
      await mkdir(join(dir, p, '..'), { recursive: true });
      await writeFile(join(dir, p), text);
    }
    push = new CliSession(['push', dir, '--device', dev.address, '--env', 'WHO=tester']);
    await push.waitFor('livepush to be watching', (s) => /livepush: watching main/.test(s.stderr), 90_000);
    await push.waitFor('the first line', (s) => /live: one who=tester/.test(s.stdout));
  });

  test('a live push honours #dev-cmd-live and #dev-env', () => {
    assert.match(push.stdout, /live: one who=tester mark=none cmd=live-cmd stage=dev/);
  });
  after(async () => {
    await push?.stop();
    await dev?.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  test('an edited file is copied in and the service restarted with it', async () => {
    const n = syncs(push);
    await writeFile(join(dir, 'message.txt'), 'two\n');
    await push.waitFor('the edit to run', (s) => /live: two who=tester/.test(s.stdout) && syncs(s) > n, 20_000);
    assert.match(push.stderr, /livepush: \[main\] syncing message\.txt/);
    assert.match(push.stderr, /1 copied, 0 deleted, 1 RUN re-run, restarted/, 'COPY . is followed by a RUN, so it re-runs');
  });

  test('a file a RUN step reads: the RUN step is re-run in the container', async () => {
    const n = syncs(push);
    await writeFile(join(dir, 'parts', 'b.txt'), 'B2\n');
    await push.waitFor('the sync', (s) => syncs(s) > n, 20_000);
    assert.match(push.stderr, /1 RUN re-run/);
    assert.equal(await execUntil(dev.address, 'main', ['cat', '/app/combined.txt'], (o) => o === 'A1\nB2\n'), 'A1\nB2\n');
  });

  test('a deleted file is removed from the container', async () => {
    assert.match(await execInService(dev.address, 'main', ['ls', '/app']), /stale\.txt/);
    const n = syncs(push);
    await unlink(join(dir, 'stale.txt'));
    await push.waitFor('the deletion', (s) => syncs(s) > n, 20_000);
    assert.match(push.stderr, /syncing -stale\.txt/);
    assert.doesNotMatch(
      await execUntil(dev.address, 'main', ['ls', '/app'], (o) => !o.includes('stale.txt') && !o.startsWith('exec failed')),
      /stale\.txt/,
    );
  });

  test('edits in quick succession are queued, never lost; ignored files are not copied', async () => {
    await writeFile(join(dir, 'notes.tmp'), 'ignored by .dockerignore\n');
    for (const v of ['three', 'four', 'five']) {
      await writeFile(join(dir, 'message.txt'), `${v}\n`);
      await new Promise((r) => setTimeout(r, 120));
    }
    await push.waitFor('the last edit to run', (s) => /live: five who=tester/.test(s.stdout), 20_000);
    assert.equal(await execUntil(dev.address, 'main', ['cat', '/app/message.txt'], (o) => o === 'five\n'), 'five\n');
    assert.doesNotMatch(await execUntil(dev.address, 'main', ['ls', '/app'], (o) => !o.startsWith('exec failed')), /notes\.tmp/);
    assert.doesNotMatch(push.stderr, /notes\.tmp/);
  });

  test('a Dockerfile change rebuilds, pushes again and keeps --env', async () => {
    await appendFile(join(dir, 'Dockerfile'), 'ENV MARK=rebuilt\n');
    await push.waitFor('the rebuild', (s) => /livepush: rebuilt, release/.test(s.stderr), 90_000);
    await push.waitFor('the rebuilt image to run', (s) => /live: five who=tester mark=rebuilt/.test(s.stdout), 20_000);
    assert.match(push.stderr, /Dockerfile changed; rebuilding/);
    // livepush still works after the rebuild
    await writeFile(join(dir, 'message.txt'), 'six\n');
    await push.waitFor('an edit after the rebuild', (s) => /live: six who=tester mark=rebuilt/.test(s.stdout), 20_000);
  });
});
