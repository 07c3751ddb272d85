// Download progress on a slow link (issue 17), in the packaged extension in code-server + Chromium: a simulated
// device started from the palette on a 1 Mbit/s link (`edgepush.simulator.linkRate`), Push to Device with the
// build on this machine (`edgepush.buildOn: local`), and while the image delta crosses the link the dashboard's
// update card shows the service's download as a percentage and bytes, with a progress bar, both moving on.
// The project's one layer is 2 MB of random bytes, so that no delta or compression makes the download short.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, startCodeServer, type CodeServer } from './codeServer.js';
import { cleanUpDevice } from './devices.js';
import { acceptQuickInput, notification, openWorkbench, runCommand, screenshot, webviewFrame, type Browser } from './workbench.js';
import { removeProjectBuildTags } from '../integration/push/harness.js';
import { testAddress } from '../testNet.js';

const DEVICE = testAddress(124, 10);
const DEVICE_NAME = `sim-${DEVICE}`;
const root = mkdtempSync(join(tmpdir(), 'edgepush-e2e-slow-'));
const project = join(root, 'slowlink');

let server: CodeServer | undefined;
let browser: Browser | undefined;

before(async () => {
  const base = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'base-images', '--no-node'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(base.status, 0, `edgepush base-images failed: ${base.stderr}`);
  await cleanUpDevice(DEVICE_NAME);
  mkdirSync(project);
  writeFileSync(
    join(project, 'Dockerfile'),
    'FROM edgepush-base/busybox\nRUN head -c 2000000 /dev/urandom > /payload\nCMD ["sh", "-c", "echo slow link app up; sleep 3600"]\n',
  );
  server = await startCodeServer(project, {
    'edgepush.simulator.firstAddress': DEVICE,
    'edgepush.simulator.linkRate': '1mbit',
    'edgepush.buildOn': 'local',
    'edgepush.livepush': false,
    'git.openRepositoryInParentFolders': 'never',
  });
  browser = await openWorkbench(server.url, project);
});

after(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  await cleanUpDevice(DEVICE_NAME).catch(() => undefined);
  await removeProjectBuildTags(project, ['main']).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

/** What the service's row says about its current step: `Shipping 40% · 1.20 MB` and the bar's value. */
interface Shown {
  label: string;
  percent: number;
  bytes: number;
  bar: number | undefined;
}

const units: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9 };

function parseShown(label: string, bar: string | null): Shown | undefined {
  const m = /Shipping (\d+)% \u00b7 ([\d.]+) (B|KB|MB|GB)/.exec(label);
  if (!m) return undefined;
  return { label, percent: Number(m[1]), bytes: Number(m[2]) * units[m[3]!]!, bar: bar === null ? undefined : Number(bar) };
}

test(
  'pushing with the build on this machine to a slow-link device: the dashboard shows the download in percent and bytes',
  { timeout: 400_000 },
  async () => {
    const page = browser!.page;
    try {
      await page.locator('.activitybar .action-item a[aria-label^="EdgePush"]').click();
      const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Devices' }) });
      await runCommand(page, 'EdgePush: Start Simulated Device');
      await notification(page, `runs at ${DEVICE}`).waitFor({ timeout: 90_000 });
      await view
        .locator('.monaco-list-row', { hasText: DEVICE_NAME })
        .locator('.label-description', { hasText: 'online' })
        .waitFor({ timeout: 30_000 });

      await runCommand(page, 'EdgePush: Push to Device');
      await acceptQuickInput(page, DEVICE_NAME);
      const dash = await webviewFrame(page, 'EdgePush Dashboard', 120_000);
      const row = dash.locator('.service-row[data-service="main"]');
      const current = row.locator('.phase-current');
      // The label and the bar of one rendering, read together.
      const read = async (): Promise<Shown | undefined> => {
        const seen = await row.first().evaluate((el) => ({
          label: el.querySelector('.phase-current')?.textContent ?? '',
          bar: el.querySelector('vscode-progress-bar')?.getAttribute('value') ?? null,
        }));
        return parseShown(seen.label, seen.bar);
      };

      // Part-way through the download: a percentage between 1 and 99 and the bytes so far.
      const midway = current.filter({ hasText: /Shipping ([1-9]|[1-9]\d)% \u00b7 [\d.]+ (B|KB|MB)/ });
      await midway.first().waitFor({ timeout: 240_000 });
      const first = await read();
      assert.ok(first && first.bytes > 0, `the download's bytes so far are shown: ${first?.label}`);
      assert.equal(Math.round(first.bar ?? NaN), first.percent, `the progress bar says what the label says (${first.label})`);
      await screenshot(page, 'download-progress.png');

      // It moves on: a later reading shows more bytes (or the step is done).
      await current.filter({ hasNotText: first.label }).first().waitFor({ timeout: 60_000 });
      const later = await read();
      if (later) {
        assert.ok(later.bytes >= first.bytes && later.percent >= first.percent, `${first.label} then ${later.label}`);
        assert.ok(later.bytes > first.bytes || later.percent > first.percent, `${first.label} then ${later.label}`);
        assert.equal(Math.round(later.bar ?? NaN), later.percent, `the progress bar says what the label says (${later.label})`);
      }

      await notification(page, `runs on ${DEVICE}`).waitFor({ timeout: 240_000 });
      await dash.locator('.service-row[data-service="main"][data-phase="running"]').waitFor({ timeout: 30_000 });
      const sent = await dash.locator('.report-service[data-service="main"] .report-head').textContent({ timeout: 30_000 });
      assert.match(sent ?? '', /sent [\d.]+ MB/, 'the report counts the 2 MB layer as sent');
    } catch (err) {
      await screenshot(page, 'download-progress-failure.png').catch(() => undefined);
      throw err;
    }
  },
);
