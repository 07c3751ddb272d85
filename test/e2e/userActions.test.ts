// What users of device tools reach for every day, in the packaged extension in code-server + Chromium, on one
// code-server start: the walkthrough's first two steps complete on the real events (a simulated device online,
// a push that succeeded); a shell opened on the pushed service runs a command and the terminal shows its output;
// the log panel copies selected lines to the clipboard, saves its lines to a file and finds a line among all it
// holds; after a window reload the dashboard and log panels come back, even when one webview frame fails to load.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page, Route } from 'playwright-core';
import { repoRoot, startCodeServer, type CodeServer } from './codeServer.js';
import { cleanUpDevice } from './devices.js';
import {
  acceptQuickInput,
  layoutSaved,
  notification,
  openWorkbench,
  runCommand,
  screenshot,
  webviewFrame,
  type Browser,
} from './workbench.js';
import { testAddress } from '../testNet.js';

/** The document of a webview's outer frame (VS Code's webview host page). */
const WEBVIEW_FRAME = /\/webview\/browser\/pre\/index\.html/;

const DEVICE = testAddress(100, 10);
const DEVICE_NAME = `sim-${DEVICE}`;

let server: CodeServer | undefined;
let browser: Browser | undefined;
let project = '';

before(async () => {
  const base = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'base-images', '--no-node'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(base.status, 0, `edgepush base-images failed: ${base.stderr}`);
  await cleanUpDevice(DEVICE_NAME);
  project = mkdtempSync(join(tmpdir(), 'edgepush-e2e-actions-'));
  writeFileSync(
    join(project, 'Dockerfile'),
    'FROM edgepush-base/busybox\nCMD ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"]\n',
  );
  server = await startCodeServer(project, {
    'edgepush.simulator.firstAddress': DEVICE,
    'edgepush.livepush': false,
    'git.openRepositoryInParentFolders': 'never',
    // The DOM renderer: the terminal's rows are text the test can read.
    'terminal.integrated.gpuAcceleration': 'off',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
  });
  browser = await openWorkbench(server.url, project);
  await browser.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await cleanUpDevice(DEVICE_NAME).catch(() => undefined);
  if (project) rmSync(project, { recursive: true, force: true });
});

function step(page: Page, title: string) {
  return page.locator('button.getting-started-step', { hasText: title });
}

/** Expands a step (the walkthrough also moves on by itself after a step completes) and clicks its button. */
async function runStep(page: Page, id: string, button: string): Promise<void> {
  const expanded = page.locator(`button.getting-started-step[data-step-id$="#edgepush.walkthrough.${id}"][aria-expanded="true"]`);
  for (const deadline = Date.now() + 15_000; !(await expanded.count());) {
    if (Date.now() > deadline) throw new Error(`walkthrough step ${id} does not expand`);
    await page.locator(`button.getting-started-step[data-step-id$="#edgepush.walkthrough.${id}"] .step-title`).click();
    await page.waitForTimeout(500);
  }
  await expanded.locator('a.monaco-button', { hasText: button }).click();
}

/** A step's check mark (the walkthrough redraws the icon when the step's completion event fires). */
function checked(page: Page, title: string) {
  return step(page, title).locator('.codicon-getting-started-step-checked');
}

test('walkthrough, shell into a service, copy/save/find logs, panels back after a reload', { timeout: 300_000 }, async () => {
  const page = browser!.page;
  try {
    await walkthroughFirstSteps(page);
    await shellIntoService(page);
    await logPanelActions(page);
    await panelsAfterReload(page);
  } catch (err) {
    await screenshot(page, 'actions-failure.png').catch(() => undefined);
    throw err;
  }
});

async function walkthroughFirstSteps(page: Page): Promise<void> {
  await runCommand(page, 'Welcome: Open Walkthrough');
  await acceptQuickInput(page, 'Get started with EdgePush');
  const first = step(page, 'Start a simulated device');
  await first.waitFor({ timeout: 30_000 });
  assert.equal(await checked(page, 'Start a simulated device').count(), 0);
  await runStep(page, 'simulator', 'Start Simulated Device');
  await notification(page, `runs at ${DEVICE}`).waitFor({ timeout: 90_000 });
  // Done when the device answers, not when the button was clicked.
  await checked(page, 'Start a simulated device').waitFor({ timeout: 30_000 });

  assert.equal(await checked(page, 'Push this project').count(), 0);
  await runStep(page, 'push', 'Push to Device');
  await acceptQuickInput(page, DEVICE_NAME);
  await notification(page, `runs on ${DEVICE}`).waitFor({ timeout: 180_000 });
  // The push opened the dashboard over the walkthrough: back to it.
  await page.locator('.tabs-container .tab', { hasText: 'Walkthrough' }).click();
  await checked(page, 'Push this project').waitFor({ timeout: 30_000 });
  await screenshot(page, 'walkthrough.png');
}

async function shellIntoService(page: Page): Promise<void> {
  await runCommand(page, 'EdgePush: Open Shell');
  await acceptQuickInput(page, 'main');
  const terminal = page.locator('.terminal-wrapper.active .xterm-rows, .terminal .xterm-rows').last();
  await terminal.waitFor({ timeout: 30_000 });
  // The shell's prompt, then a command whose answer cannot be in the terminal unless the shell ran it.
  await page.waitForFunction(() => /[#$] /.test(document.querySelector('.xterm-rows')?.textContent ?? ''), undefined, { timeout: 30_000 });
  await page.locator('.xterm-helper-textarea').last().focus();
  // PID 1 of the shell's namespace is the service's own command: the shell runs inside the service's container.
  await page.keyboard.type(`echo "answer=$((6*7)) pid1=$(tr '\\0' ' ' < /proc/1/cmdline)"\n`);
  await page.waitForFunction(
    () => /answer=42 pid1=sh -c i=0; while true/.test(document.querySelector('.xterm-rows')?.textContent ?? ''),
    undefined,
    { timeout: 30_000 },
  );
  await screenshot(page, 'shell.png');
  await page.keyboard.type('exit\n');
}

async function logPanelActions(page: Page): Promise<void> {
  await runCommand(page, 'EdgePush: Show Logs');
  const logs = await webviewFrame(page, `Logs: ${DEVICE_NAME}`);
  const ticks = logs.locator('.line[data-service="main"]', { hasText: /tick \d+/ });
  await ticks.nth(5).waitFor({ timeout: 60_000 });

  // Copy: click one line, shift-click two further down, Ctrl+C: exactly those three lines, as text.
  await logs.locator('.tools vscode-toolbar-button[label="Follow"]').click(); // stop following so rows stay put
  // Three consecutive lines, by identity (the panel redraws its rows as lines arrive).
  const picked = await ticks.evaluateAll((rows) =>
    rows.slice(1, 4).map((r) => ({ seq: (r as HTMLElement).dataset.seq!, msg: r.querySelector('.msg')!.textContent! })),
  );
  const expected = picked.map((p) => p.msg);
  await logs.locator(`.line[data-seq="${picked[0]!.seq}"]`).click();
  await logs.locator(`.line[data-seq="${picked[2]!.seq}"]`).click({ modifiers: ['Shift'] });
  await page.keyboard.press('Control+c');
  let copied = '';
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && !copied.includes(expected[2]!); await page.waitForTimeout(200)) {
    copied = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
  }
  const lines = copied.trim().split('\n');
  assert.equal(lines.length, 3, `copied: ${copied}`);
  lines.forEach((l, i) => assert.match(l, new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[main\\] ${expected[i]}$`)));

  // Find: a line far above the rows drawn (the first tick) is found among all buffered lines and shown.
  await logs.locator('vscode-textfield.find-text').click();
  await page.keyboard.type('tick 1\n');
  await logs.locator('.find-count', { hasText: /of \d+/ }).waitFor({ timeout: 10_000 });
  await logs.locator('.line.match-current', { hasText: /tick 1\d*$/ }).waitFor({ timeout: 10_000 });

  // Save: the shown lines to a file in the workspace, through VS Code's save dialog.
  const target = join(project, 'saved.log');
  await logs.locator('.tools vscode-toolbar-button[label="Save"]').click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  // The simple file dialog writes its default name into the box once it has listed the folder, which can be just
  // after a first fill: fill until the box holds our path.
  for (let tries = 0; (await input.inputValue()) !== target && tries < 20; tries++) {
    await input.fill(target);
    await page.waitForTimeout(250);
  }
  await input.press('Enter');
  // The file appears empty first and is then written: wait for its end (the last line of the text ends with \n).
  const savedText = () => (existsSync(target) ? readFileSync(target, 'utf8') : '');
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && !savedText().endsWith('\n');) await page.waitForTimeout(200);
  const saved = savedText();
  assert.match(saved, /\[main\] tick 1\n/);
  assert.match(saved, /\[system\] .*Started service 'main/);
  await screenshot(page, 'logs-actions.png');
}

async function panelsAfterReload(page: Page): Promise<void> {
  await runCommand(page, 'EdgePush: Open Dashboard');
  await (await webviewFrame(page, 'EdgePush Dashboard')).locator('body *').first().waitFor({ timeout: 30_000 });
  // VS Code has saved its layout with both panels (as it does every few seconds; its save on unload may not
  // finish): the reload tests the extension's restore, not whether the browser's last write made it.
  await layoutSaved(page, ['edgepush.dashboard', 'edgepush.logs']);
  // Now and then a webview restored after a reload in a browser-hosted VS Code keeps a blank frame, whatever HTML
  // it is given: made to happen here, to the first webview frame the reloaded window loads. The extension sees
  // the page stay silent and replaces the panel (WebviewHost.onDidStall).
  let framesRefused = 0;
  const refuseFirstFrame = (route: Route) => (framesRefused++ === 0 ? route.abort() : route.continue());
  await page.context().route(WEBVIEW_FRAME, refuseFirstFrame);
  await page.reload();
  await page.locator('.monaco-workbench .part.editor').waitFor({ timeout: 60_000 });
  // Both panels are back after this one reload, drawn by the restarted extension (their serializers) with the
  // state it sent them, with no command run. The restarted extension host activates first: give it a minute.
  const tabs = page.locator('.tabs-container .tab');
  await tabs.filter({ hasText: 'EdgePush Dashboard' }).click({ timeout: 60_000 });
  const dash = await webviewFrame(page, 'EdgePush Dashboard', 60_000);
  await dash.locator('#root section.card h2', { hasText: 'Device' }).waitFor({ timeout: 30_000 });
  await screenshot(page, 'after-reload.png');
  await tabs.filter({ hasText: `Logs: ${DEVICE_NAME}` }).click({ timeout: 30_000 });
  const logs = await webviewFrame(page, `Logs: ${DEVICE_NAME}`, 60_000);
  // Its first state came (logs/init names the device): the panel knows which device it shows.
  await logs.locator(`[aria-label="Logs of ${DEVICE}"]`).waitFor({ timeout: 30_000 });
  await page.context().unroute(WEBVIEW_FRAME, refuseFirstFrame);
  assert.ok(framesRefused >= 2, `a webview frame was refused, and another loaded (${framesRefused} requests)`);
}
