// Driving the VS Code workbench in Chromium with playwright-core: the command palette, quick picks, trees,
// notifications and webviews, with the selectors of /work/shared/docs/vscode-e2e.md.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Frame, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { repoRoot } from './codeServer.js';

export const artifactsDir = join(repoRoot, 'test', 'e2e', 'artifacts');

export interface Browser {
  page: Page;
  close(): Promise<void>;
}

export async function openWorkbench(url: string, folder: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'edgepush-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.EDGEPUSH_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench .part.editor').waitFor({ timeout: 60_000 });
  return {
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Runs `Category: Title` from the command palette. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ timeout: 15_000 });
      await row.click();
      return;
    } catch (err) {
      // The extension's commands appear once it has activated.
      if (attempt >= 3) throw err;
    }
  }
}

/** Accepts the open input box or quick pick as it is (its pre-filled value or first item). */
export async function acceptQuickInput(page: Page, hasText?: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible', timeout: 15_000 });
  if (hasText) {
    await page.locator('.quick-input-list .monaco-list-row', { hasText }).first().click();
  } else {
    await widget.locator('input').press('Enter');
  }
}

export function notification(page: Page, text: string | RegExp): Locator {
  return page.locator('.notification-toast', { hasText: text });
}

/** The content frame of the visible webview whose page title is `title`. */
export async function webviewFrame(page: Page, title: string, timeoutMs = 30_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const frames = page.locator('iframe.webview.ready');
    const n = await frames.count();
    for (let i = 0; i < n; i++) {
      const inner = page.frameLocator('iframe.webview.ready').nth(i).frameLocator('#active-frame');
      const t = await inner
        .locator('title')
        .textContent({ timeout: 1000 })
        .catch(() => null);
      if (t === title) return inner;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview titled '${title}'`);
}

export async function screenshot(target: Page | Locator, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, name);
  await target.screenshot({ path });
  return path;
}

/** The webview content frame titled `title`, as a Frame (for evaluate). */
export async function webviewFrameHandle(page: Page, title: string): Promise<Frame> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (f.name() !== 'active-frame' && !f.url().includes('fake.html')) continue;
      const t = await f.title().catch(() => '');
      if (t === title) return f;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`no webview frame titled '${title}'`);
}

/**
 * Waits until the workbench has saved its editor layout with `text` in it (a panel's view type or title): VS Code
 * in a browser saves its state every few seconds, and its save when the page unloads may not finish, so a reload
 * right after opening a panel can lose the panel itself. This waits for that save, not for a time.
 */
export async function layoutSaved(page: Page, texts: string[], timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(
    async (wanted: string[]) => {
      const dbs = (await indexedDB.databases()).filter((d) => d.name?.startsWith('vscode-web-state-db-'));
      for (const { name } of dbs) {
        const value = await new Promise<unknown>((resolve) => {
          const open = indexedDB.open(name!);
          open.onerror = () => resolve(undefined);
          open.onsuccess = () => {
            const db = open.result;
            try {
              const get = db.transaction('ItemTable', 'readonly').objectStore('ItemTable').get('memento/workbench.parts.editor');
              get.onsuccess = () => (db.close(), resolve(get.result));
              get.onerror = () => (db.close(), resolve(undefined));
            } catch {
              db.close();
              resolve(undefined);
            }
          };
        });
        if (typeof value === 'string' && wanted.every((t) => value.includes(t))) return true;
      }
      return false;
    },
    texts,
    { timeout: timeoutMs, polling: 500 },
  );
}
