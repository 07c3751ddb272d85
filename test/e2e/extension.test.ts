// The packaged extension in a real VS Code (code-server 4.100.3) in Debian's Chromium: start a simulated device
// and push from the command palette, then check what a user sees: the service running in the device tree, the
// app's output in the log panel, the update state and non-zero delta figures in the dashboard. Screenshots of
// the three go to test/e2e/artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, startCodeServer, type CodeServer } from './codeServer.js';
import { cleanUpDevice } from './devices.js';
import { floodLogPanel } from './logFlood.js';
import {
  acceptQuickInput,
  artifactsDir,
  notification,
  openWorkbench,
  runCommand,
  screenshot,
  webviewFrame,
  webviewFrameHandle,
  type Browser,
} from './workbench.js';
import { testAddress } from '../testNet.js';

const DEVICE = testAddress(30, 10);
const DEVICE_NAME = `sim-${DEVICE}`;
const ABSENT = testAddress(30, 11); // nothing listens here

let server: CodeServer | undefined;
let browser: Browser | undefined;
let project = '';
let tempProject: string | undefined;
let expectedOutput = '';

function prepareProject(): void {
  const hello = join(repoRoot, 'examples', 'hello');
  if (existsSync(join(hello, 'Dockerfile')) || existsSync(join(hello, 'docker-compose.yml'))) {
    project = hello;
    expectedOutput = process.env.EDGEPUSH_E2E_EXPECT ?? 'Hello';
    return;
  }
  // examples/hello not there yet: a one-service project on the local busybox base image.
  tempProject = mkdtempSync(join(tmpdir(), 'edgepush-e2e-project-'));
  writeFileSync(
    join(tempProject, 'Dockerfile'),
    'FROM edgepush-base/busybox\nCMD ["sh", "-c", "while true; do echo Hello from the e2e app; sleep 1; done"]\n',
  );
  project = tempProject;
  expectedOutput = 'Hello from the e2e app';
}

before(async () => {
  rmSync(artifactsDir, { recursive: true, force: true }); // screenshots of this run only
  const base = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'base-images'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(base.status, 0, `edgepush base-images failed: ${base.stderr}`);
  await cleanUpDevice(DEVICE_NAME);
  prepareProject();
  server = await startCodeServer(project, {
    'edgepush.simulator.firstAddress': DEVICE,
    'edgepush.simulator.linkRate': '4mbit',
    'edgepush.livepush': false,
    'git.openRepositoryInParentFolders': 'never',
    'workbench.colorTheme': process.env.EDGEPUSH_E2E_THEME ?? 'Default Dark Modern',
  });
  browser = await openWorkbench(server.url, project);
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await cleanUpDevice(DEVICE_NAME).catch(() => undefined);
  if (tempProject) rmSync(tempProject, { recursive: true, force: true });
});

test('start a simulated device and push from the palette; tree, logs and dashboard show the result', { timeout: 240_000 }, async () => {
  try {
    await scenario();
  } catch (err) {
    // What the workbench looked like when it failed, for the CI log reader.
    await screenshot(browser!.page, 'failure.png').catch(() => undefined);
    throw err;
  }
});

async function scenario(): Promise<void> {
  const page = browser!.page;

  // The EdgePush view, empty at first: the welcome view offers to start a device.
  await page.locator('.activitybar .action-item a[aria-label^="EdgePush"]').click();
  const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Devices' }) });
  await view.locator('.welcome-view-content', { hasText: 'No devices yet' }).waitFor({ timeout: 30_000 });
  await screenshot(page.locator('.part.sidebar'), 'welcome.png');

  await runCommand(page, 'EdgePush: Start Simulated Device'); // one click: the configured first address
  await notification(page, `runs at ${DEVICE}`).waitFor({ timeout: 90_000 });
  const deviceRow = view.locator('.monaco-list-row', { hasText: DEVICE_NAME });
  await deviceRow.locator('.label-description', { hasText: 'online' }).waitFor({ timeout: 30_000 });

  await runCommand(page, 'EdgePush: Push to Device');
  await acceptQuickInput(page, DEVICE_NAME);
  await notification(page, `runs on ${DEVICE}`).waitFor({ timeout: 180_000 });

  // The tree: the service under the device, running.
  const serviceRow = view
    .locator('.monaco-list-row', { hasText: 'main' })
    .filter({ has: page.locator('.label-description', { hasText: 'Running' }) });
  await serviceRow.waitFor({ timeout: 30_000 });
  await page
    .locator('.notifications-toasts .codicon-notifications-clear, .notification-toast .codicon-notifications-clear')
    .first()
    .click()
    .catch(() => undefined);

  // The dashboard (opened by the push): every service running, a delta report with non-zero figures.
  await runCommand(page, 'EdgePush: Open Dashboard');
  const dash = await webviewFrame(page, 'EdgePush Dashboard');
  await dash.locator('.service-row[data-phase="running"]').first().waitFor({ timeout: 30_000 });
  const phases = await dash.locator('.service-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.phase));
  assert.ok(phases.length > 0 && phases.every((p) => p === 'running'), `service phases: ${phases.join(', ')}`);
  await dash.locator('.phase-done', { hasText: 'Running' }).first().waitFor();
  const figures = await dash
    .locator('.bar-row')
    .evaluateAll((rows) => rows.map((r) => [(r as HTMLElement).dataset.bar, Number((r as HTMLElement).dataset.bytes)] as const));
  for (const key of ['image', 'layers', 'librsync', 'delta']) {
    const f = figures.find(([k]) => k === key);
    assert.ok(f && f[1] > 0, `delta report figure '${key}' is ${f?.[1]}`);
  }
  // The device runs at 4 Mbit/s: each figure comes with its transfer time at that rate.
  await dash.locator('.bar-row[data-bar="image"] .bar-time', { hasText: /\d/ }).waitFor();
  await screenshot(page, 'dashboard.png');

  // The tree, on its own.
  await screenshot(page.locator('.part.sidebar'), 'tree.png');

  // Stop and start the service from the palette: the tree follows.
  await runCommand(page, 'EdgePush: Stop Service');
  await acceptQuickInput(page, 'main');
  const stoppedRow = view
    .locator('.monaco-list-row', { hasText: 'main' })
    .filter({ hasNot: page.locator('.label-description', { hasText: /^Running/ }) });
  await stoppedRow.waitFor({ timeout: 30_000 });
  await runCommand(page, 'EdgePush: Start Service');
  await acceptQuickInput(page, 'main');
  await serviceRow.waitFor({ timeout: 30_000 });

  // The log panel: the app's own output, tagged with its service.
  await runCommand(page, 'EdgePush: Show Logs');
  const logs = await webviewFrame(page, `Logs: ${DEVICE_NAME}`);
  await logs.locator('.line[data-service="main"]', { hasText: expectedOutput }).first().waitFor({ timeout: 60_000 });
  // The panel followed the service across its restart: output before the stop, the stop, and output after it.
  await logs.locator('.line.system', { hasText: 'Stopped service' }).waitFor({ timeout: 30_000 });
  const order = await logs
    .locator('.line')
    .evaluateAll((rows) =>
      rows.map((r) =>
        (r as HTMLElement).dataset.service ? 'app' : (r.textContent ?? '').includes('Stopped service') ? 'stopped' : 'other',
      ),
    );
  const stoppedAt = order.indexOf('stopped');
  assert.ok(order.slice(0, stoppedAt).includes('app') && order.slice(stoppedAt).includes('app'), `log order: ${order.join(' ')}`);
  await screenshot(page, 'logs.png');

  // Livepush on from the palette: it starts watching the project pushed last (the dashboard says so too).
  await runCommand(page, 'EdgePush: Toggle Livepush');
  await logs.locator('.line.system', { hasText: 'livepush: watching' }).waitFor({ timeout: 30_000 });
  await runCommand(page, 'EdgePush: Toggle Livepush');

  // The panel at 10,000 lines per second (three services, stderr, a reconnect): every line arrives, the panel
  // keeps at most its buffer, and the frame rate while it draws is printed.
  const flood = await floodLogPanel(await webviewFrameHandle(page, `Logs: ${DEVICE_NAME}`));
  assert.ok(flood.lastShown, 'the last of 30,000 lines is on screen');
  assert.equal(flood.kept, 5000, 'the panel keeps its buffer of 5,000 lines');
  assert.ok(flood.rowElements < 200, `only rows in view are drawn (${flood.rowElements})`);
  assert.equal(flood.reconnectMarkers, 1);
  console.log(
    `log panel at 10,000 lines/s for 3 s: ${flood.fps.toFixed(0)} frames/s while drawing, ${flood.kept} lines kept, ${flood.rowElements} rows drawn, ${flood.lagMs.toFixed(0)} ms from the last batch to its line on screen`,
  );
  await screenshot(page, 'logs-flood.png');

  // An address where nothing answers: listed, marked offline, and the tree keeps working; then removed.
  await runCommand(page, 'EdgePush: Add Device by Address');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(ABSENT);
  await input.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'API key' }).waitFor({ timeout: 15_000 });
  await input.press('Enter'); // no API key
  const absentRow = view.locator('.monaco-list-row', { hasText: ABSENT });
  await absentRow.locator('.label-description', { hasText: 'offline' }).waitFor({ timeout: 30_000 });
  await view.locator('.monaco-list-row', { hasText: 'Added Addresses' }).waitFor();
  await screenshot(page.locator('.part.sidebar'), 'tree-offline.png');
  await runCommand(page, 'EdgePush: Remove Device');
  await absentRow.waitFor({ state: 'detached', timeout: 15_000 });

  await runCommand(page, 'EdgePush: Stop Simulated Device');
  await deviceRow.waitFor({ state: 'detached', timeout: 30_000 });
}
