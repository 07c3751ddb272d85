// The "EdgePush" output channel in a real VS Code (code-server) in Debian's Chromium: after a push from the
// palette it holds that push's build lines (a RUN's own output among them); after a push whose build fails, the
// failure notification's "Show Build Log" opens it on the failing RUN's output and the engine's error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { repoRoot, startCodeServer, type CodeServer } from './codeServer.js';
import { cleanUpDevice } from './devices.js';
import { acceptQuickInput, notification, openWorkbench, runCommand, screenshot, type Browser } from './workbench.js';
import { testAddress } from '../testNet.js';

const DEVICE = testAddress(61, 20);
const DEVICE_NAME = `sim-${DEVICE}`;
const marker = `build-marker-${randomBytes(4).toString('hex')}`;
const LOOP = 'CMD ["sh", "-c", "while true; do echo running; sleep 1; done"]';

let server: CodeServer | undefined;
let browser: Browser | undefined;
let project = '';

before(async () => {
  const base = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'base-images'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(base.status, 0, `edgepush base-images failed: ${base.stderr}`);
  await cleanUpDevice(DEVICE_NAME);
  project = mkdtempSync(join(tmpdir(), 'edgepush-e2e-output-'));
  writeFileSync(join(project, 'Dockerfile'), `FROM edgepush-base/busybox\nRUN echo "${marker} ok"\n${LOOP}\n`);
  server = await startCodeServer(project, {
    'edgepush.simulator.firstAddress': DEVICE,
    'edgepush.livepush': false,
    'git.openRepositoryInParentFolders': 'never',
  });
  browser = await openWorkbench(server.url, project);
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await cleanUpDevice(DEVICE_NAME).catch(() => undefined);
  if (project) rmSync(project, { recursive: true, force: true });
});

/** Every line of the output view, read page by page (the editor draws only the lines in view). */
async function outputText(page: Page): Promise<string> {
  const editor = page.locator('.part.panel .monaco-editor').first();
  await editor.waitFor({ timeout: 15_000 });
  await editor.click();
  await page.keyboard.press('Control+Home');
  // Each line starts with its own timestamp, so a set of the texts seen loses none.
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const before = seen.size;
    for (const text of await editor.locator('.view-line').allTextContents()) seen.add(text.replace(/\u00a0/g, ' '));
    if (i > 0 && seen.size === before) break;
    await page.keyboard.press('PageDown');
  }
  return [...seen].sort().join('\n');
}

test(
  'the EdgePush output channel holds the build lines of a push; Show Build Log opens it on a failed build',
  { timeout: 300_000 },
  async () => {
    const page = browser!.page;
    try {
      await runCommand(page, 'EdgePush: Start Simulated Device'); // one click: the configured first address
      await notification(page, `runs at ${DEVICE}`).waitFor({ timeout: 90_000 });

      await runCommand(page, 'EdgePush: Push to Device');
      await acceptQuickInput(page, DEVICE_NAME);
      await notification(page, `runs on ${DEVICE}`).waitFor({ timeout: 180_000 });
      await runCommand(page, 'Output: Show Output Channels...');
      await acceptQuickInput(page, 'EdgePush');
      const log = await outputText(page);
      assert.match(log, new RegExp(`push .* to ${DEVICE.replace(/\./g, '\\.')}`), log);
      assert.match(log, /\[main\] Step 2\/\d+ : RUN echo/, "the engine's build steps");
      assert.match(log, new RegExp(`\\[main\\] ${marker} ok`), "the RUN's own output");
      await screenshot(page, 'output-channel.png');

      // A build that fails: the notification offers the build log, which shows why.
      writeFileSync(join(project, 'Dockerfile'), `FROM edgepush-base/busybox\nRUN echo "${marker} failing" && exit 3\n${LOOP}\n`);
      await page
        .locator('.notifications-toasts .codicon-notifications-clear, .notification-toast .codicon-notifications-clear')
        .first()
        .click()
        .catch(() => undefined);
      await runCommand(page, 'Output: Show Output Channels...');
      await acceptQuickInput(page, 'Tasks').catch(() => page.keyboard.press('Escape')); // another channel in view, so "Show Build Log" has to switch back
      await runCommand(page, 'EdgePush: Push to Device');
      await acceptQuickInput(page, DEVICE_NAME);
      const failed = notification(page, /push to .* failed/);
      await failed.waitFor({ timeout: 180_000 });
      await failed.locator('.monaco-button', { hasText: 'Show Build Log' }).click();
      // The view switches channel and draws the new lines a moment after the click: read until the failure is there.
      let after = await outputText(page);
      for (const deadline = Date.now() + 20_000; !new RegExp(`${marker} failing`).test(after) && Date.now() < deadline;) {
        await page.waitForTimeout(500);
        after = await outputText(page);
      }
      assert.match(after, new RegExp(`\\[main\\] ${marker} failing`), after);
      assert.match(after, /returned a non-zero code: 3/, "the engine's error");
      await screenshot(page, 'output-channel-failed.png');
    } catch (err) {
      await screenshot(page, 'output-channel-failure.png').catch(() => undefined);
      throw err;
    }
  },
);
