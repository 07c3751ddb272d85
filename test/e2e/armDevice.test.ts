// A simulated Raspberry Pi from the extension (issue 12), in the packaged extension in code-server + Chromium:
// Start Simulated Device of Type… offers the type the open project points to (examples/arch has a
// Dockerfile.template, so the setting decides here: raspberrypi4-64), the tree shows its type and arch, and a push
// from the palette runs the template example as aarch64 (qemu-user), which the log panel shows.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, startCodeServer, type CodeServer } from './codeServer.js';
import { cleanUpDevice } from './devices.js';
import { acceptQuickInput, notification, openWorkbench, runCommand, screenshot, webviewFrame, type Browser } from './workbench.js';
import { emulationState } from '../../simulator/device/emulation.js';
import { testAddress } from '../testNet.js';
import assert from 'node:assert/strict';

const DEVICE = testAddress(122, 10);
const DEVICE_NAME = `sim-${DEVICE}`;
const skip = emulationState('aarch64').ok ? false : 'no qemu-user binfmt handlers on this machine (bash scripts/setup.sh arm)';

let server: CodeServer | undefined;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  const base = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'base-images', '--arch', 'aarch64', '--no-node'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(base.status, 0, `edgepush base-images failed: ${base.stderr}`);
  await cleanUpDevice(DEVICE_NAME);
  const project = join(repoRoot, 'examples', 'arch');
  server = await startCodeServer(project, {
    'edgepush.simulator.firstAddress': DEVICE,
    'edgepush.simulator.deviceType': 'raspberrypi4-64',
    'edgepush.livepush': false,
    'git.openRepositoryInParentFolders': 'never',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
  });
  browser = await openWorkbench(server.url, project);
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await cleanUpDevice(DEVICE_NAME).catch(() => undefined);
});

test('start a simulated Raspberry Pi 4 from the quick pick and push the template example to it', { skip, timeout: 240_000 }, async () => {
  const page = browser!.page;
  try {
    await page.locator('.activitybar .action-item a[aria-label^="EdgePush"]').click();
    const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Devices' }) });

    await runCommand(page, 'EdgePush: Start Simulated Device of Type');
    // The setting's type is offered first, by its friendly name.
    await page
      .locator('.quick-input-list .monaco-list-row')
      .first()
      .filter({ hasText: 'Raspberry Pi 4 (using 64bit OS)' })
      .waitFor({ timeout: 15_000 });
    await acceptQuickInput(page, 'Raspberry Pi 4 (using 64bit OS)');
    await notification(page, `runs at ${DEVICE}`).waitFor({ timeout: 90_000 });
    const deviceRow = view.locator('.monaco-list-row', { hasText: DEVICE_NAME });
    await deviceRow.locator('.label-description', { hasText: 'raspberrypi4-64 (aarch64)' }).waitFor({ timeout: 30_000 });

    await runCommand(page, 'EdgePush: Push to Device');
    await acceptQuickInput(page, DEVICE_NAME);
    await notification(page, `runs on ${DEVICE}`).waitFor({ timeout: 180_000 });

    await runCommand(page, 'EdgePush: Show Logs');
    const logs = await webviewFrame(page, `Logs: ${DEVICE_NAME}`);
    await logs
      .locator('.line[data-service="main"]', { hasText: 'balena arch aarch64, built on aarch64, running on aarch64' })
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot(page, 'arm-device.png');

    await runCommand(page, 'EdgePush: Stop Simulated Device');
    await deviceRow.waitFor({ state: 'detached', timeout: 30_000 });
  } catch (err) {
    await screenshot(page, 'arm-failure.png').catch(() => undefined);
    throw err;
  }
});
