// The HTML shell of both webviews: a strict Content-Security-Policy (scripts only with this page's nonce,
// styles and fonts only from the extension's dist/ folder, no network), the codicon style sheet, and a small
// inline loader that adds the bundle and, if the bundle cannot be fetched, tells the host at once (`loadFailed`
// with the load's number; the host then loads the page again, see viewLoads.ts). The loader acquires the VS Code
// API (once per page, as VS Code allows) and leaves it to the bundle. No `vscode` import: URIs come in as strings.
import { randomBytes } from 'node:crypto';
import type { ViewKind } from '../../webview/protocol.js';

export interface WebviewHtmlInput {
  view: ViewKind;
  title: string;
  /** webview.cspSource */
  cspSource: string;
  scriptUri: string;
  codiconsUri: string;
  /** The number of this load of the panel's page (sent back by the loader if the bundle fails). */
  load?: number;
  nonce?: string;
}

/** The inline loader (constant text: what varies is in its data attributes). */
export const LOADER_SCRIPT = `(() => {
  const boot = document.currentScript;
  const api = acquireVsCodeApi();
  window.edgepushVsCodeApi = api;
  const s = document.createElement('script');
  s.nonce = boot.nonce;
  s.src = boot.dataset.src;
  s.addEventListener('error', () =>
    api.postMessage({ kind: 'loadFailed', view: document.body.dataset.view, load: Number(boot.dataset.load) }));
  document.body.appendChild(s);
})();`;

export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function webviewHtml(i: WebviewHtmlInput): string {
  const nonce = i.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(i.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${escapeAttr(i.codiconsUri)}">
<title>${escapeAttr(i.title)}</title>
</head>
<body data-view="${i.view}">
<div id="root"></div>
<script nonce="${nonce}" data-src="${escapeAttr(i.scriptUri)}" data-load="${i.load ?? 1}">${LOADER_SCRIPT}</script>
</body>
</html>`;
}
