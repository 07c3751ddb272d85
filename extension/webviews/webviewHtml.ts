// The HTML shell of both webviews: a strict Content-Security-Policy (scripts only with this page's nonce,
// styles and fonts only from the extension's dist/ folder, no network), the codicon style sheet, the bundle.
// No `vscode` import: URIs come in as strings.
import { randomBytes } from 'node:crypto';
import type { ViewKind } from '../../webview/protocol.js';

export interface WebviewHtmlInput {
  view: ViewKind;
  title: string;
  /** webview.cspSource */
  cspSource: string;
  scriptUri: string;
  codiconsUri: string;
  nonce?: string;
}

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
<script nonce="${nonce}" src="${escapeAttr(i.scriptUri)}"></script>
</body>
</html>`;
}
