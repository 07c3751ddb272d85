import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, LOADER_SCRIPT, makeNonce, webviewHtml } from '../../../extension/webviews/webviewHtml.js';

test('the webview page allows only its own nonce-tagged script and the extension resources', () => {
  const html = webviewHtml({
    view: 'dashboard',
    title: 'EdgePush Dashboard',
    cspSource: 'https://x.vscode-cdn.net',
    scriptUri: 'https://x/webview.js',
    codiconsUri: 'https://x/codicon.css',
    load: 2,
    nonce: 'abc123',
  });
  const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  // One script: the inline loader, with the page's nonce; it adds the bundle with the same nonce.
  assert.match(html, /<script nonce="abc123" data-src="https:\/\/x\/webview.js" data-load="2">/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /id="vscode-codicon-stylesheet"/);
  assert.match(html, /data-view="dashboard"/);
});

test('nonces are fresh and long enough', () => {
  const a = makeNonce();
  assert.notEqual(a, makeNonce());
  assert.ok(a.length >= 22);
  assert.match(contentSecurityPolicy('src', a), new RegExp(`nonce-${a.replace(/[+/]/g, '.')}`));
});

test('a title with markup is escaped', () => {
  const html = webviewHtml({ view: 'logs', title: 'Logs: <b>"x"</b>', cspSource: 's', scriptUri: 'u', codiconsUri: 'c' });
  assert.match(html, /<title>Logs: &lt;b>&quot;x&quot;&lt;\/b><\/title>/);
});

/** Runs the inline loader against a minimal page: what it appends, what it posts, what it leaves the bundle. */
function runLoader(view: string, load: string) {
  const posted: unknown[] = [];
  const appended: { nonce: string; src: string; fail(): void }[] = [];
  let acquired = 0;
  const win: Record<string, unknown> = {};
  const document = {
    currentScript: { nonce: 'n1', dataset: { src: 'https://x/webview.js?load=' + load, load } },
    body: {
      dataset: { view },
      appendChild(el: { nonce: string; src: string; listeners: Record<string, () => void> }) {
        appended.push({ nonce: el.nonce, src: el.src, fail: () => el.listeners.error?.() });
      },
    },
    createElement: () => {
      const listeners: Record<string, () => void> = {};
      return { nonce: '', src: '', listeners, addEventListener: (t: string, l: () => void) => (listeners[t] = l) };
    },
  };
  const acquireVsCodeApi = () => {
    acquired++;
    return { postMessage: (m: unknown) => posted.push(m), setState: () => undefined };
  };
  new Function('document', 'window', 'acquireVsCodeApi', LOADER_SCRIPT)(document, win, acquireVsCodeApi);
  return { posted, appended, acquired: () => acquired, win };
}

test('the loader adds the bundle with its nonce and reports at once when the bundle cannot be fetched', () => {
  const page = runLoader('dashboard', '3');
  assert.equal(page.appended.length, 1);
  assert.deepEqual({ nonce: page.appended[0]!.nonce, src: page.appended[0]!.src }, { nonce: 'n1', src: 'https://x/webview.js?load=3' });
  assert.equal(page.acquired(), 1);
  assert.ok(page.win.edgepushVsCodeApi, 'the API is left for the bundle (VS Code gives it out once per page)');
  assert.deepEqual(page.posted, []);
  page.appended[0]!.fail();
  assert.deepEqual(page.posted, [{ kind: 'loadFailed', view: 'dashboard', load: 3 }]);
});
