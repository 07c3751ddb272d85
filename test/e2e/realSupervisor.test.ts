// The packaged extension pushes to the REAL balena-supervisor v19.0.5 (scripts/real-supervisor/, the conformance
// suite's reference device, started once here): Add Device by Address, Push to Device with the build on this
// machine, and the dashboard shows the update applied and how the image got there (a delta through the helper
// container: no EdgePush agent on a stock device). Skipped, saying why, where the real supervisor cannot run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCodeServer, type CodeServer } from './codeServer.js';
import { acceptQuickInput, notification, openWorkbench, runCommand, screenshot, webviewFrame, type Browser } from './workbench.js';
import { projectCopy, removeProjectBuildTags } from '../integration/push/harness.js';
import { realSupervisorUnavailable, startRealTarget, type ConformanceTarget } from '../integration/conformance/targets.js';
import { testAddress } from '../testNet.js';

const DEVICE = testAddress(104, 10);
const why = realSupervisorUnavailable();

let target: ConformanceTarget | undefined;
let server: CodeServer | undefined;
let browser: Browser | undefined;
let project: Awaited<ReturnType<typeof projectCopy>> | undefined;

before(async () => {
  if (why) return;
  [target, project] = await Promise.all([startRealTarget(DEVICE), projectCopy('examples/hello')]);
  server = await startCodeServer(project.dir, {
    'edgepush.buildOn': 'local',
    'edgepush.livepush': false,
    'git.openRepositoryInParentFolders': 'never',
  });
  browser = await openWorkbench(server.url, project.dir);
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await target?.stop();
  if (project) await removeProjectBuildTags(project.dir, ['main']);
  await project?.cleanup();
});

test(
  'push from VS Code to the real balena-supervisor: the dashboard shows the update and the delta via the helper',
  { timeout: 300_000, skip: why },
  async () => {
    const page = browser!.page;
    try {
      await page.locator('.activitybar .action-item a[aria-label^="EdgePush"]').click();
      const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Devices' }) });
      await runCommand(page, 'EdgePush: Add Device by Address');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill(DEVICE);
      await input.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'API key' }).waitFor({ timeout: 15_000 });
      await input.press('Enter'); // local mode: no key
      await view
        .locator('.monaco-list-row', { hasText: DEVICE })
        .locator('.label-description', { hasText: 'online' })
        .waitFor({ timeout: 30_000 });

      await runCommand(page, 'EdgePush: Push to Device');
      await acceptQuickInput(page, DEVICE);
      await notification(page, `runs on ${DEVICE}`).waitFor({ timeout: 240_000 });

      await runCommand(page, 'EdgePush: Open Dashboard');
      const dash = await webviewFrame(page, 'EdgePush Dashboard');
      await dash.locator('.service-row[data-phase="running"]').first().waitFor({ timeout: 30_000 });
      await dash.locator('[data-method="delta via helper container"]').first().waitFor({ timeout: 30_000 });
      const helper = await dash.locator('[data-helper-bytes]').first().getAttribute('data-helper-bytes');
      assert.ok(Number(helper) > 0, `the helper's one-off cost is shown (${helper})`);
      await screenshot(page, 'real-supervisor-dashboard.png');
    } catch (err) {
      await screenshot(page, 'real-supervisor-failure.png').catch(() => undefined);
      throw err;
    }
  },
);
