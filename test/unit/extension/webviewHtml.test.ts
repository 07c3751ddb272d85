import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentSecurityPolicy, makeNonce, webviewHtml } from '../../../extension/webviews/webviewHtml.js';

test('the webview page allows only its own nonce-tagged script and the extension resources', () => {
  const html = webviewHtml({
    view: 'dashboard',
    title: 'EdgePush Dashboard',
    cspSource: 'https://x.vscode-cdn.net',
    scriptUri: 'https://x/webview.js',
    codiconsUri: 'https://x/codicon.css',
    nonce: 'abc123',
  });
  const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(html, /<script nonce="abc123" src="https:\/\/x\/webview.js"><\/script>/);
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
