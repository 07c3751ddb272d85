// Log panel styles: editor font and theme colours, like the Output and Terminal panels.
export const logCss = `
html, body { height: 100%; }
body { margin: 0; padding: 0; display: flex; flex-direction: column; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
#root { display: flex; flex-direction: column; height: 100%; }
.toolbar { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; padding: 6px 12px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent)); background: var(--vscode-editor-background); }
.chips { display: flex; gap: 4px; flex-wrap: wrap; flex: 1 1 auto; min-width: 0; }
.tools { display: flex; align-items: center; gap: 8px; margin-left: auto; }
.chip { display: inline-flex; align-items: center; gap: 5px; padding: 2px 8px; border-radius: 10px; cursor: pointer; font: inherit; font-size: 12px; color: var(--vscode-foreground); background: transparent; border: 1px solid var(--vscode-widget-border, var(--vscode-input-border, #8884)); white-space: nowrap; }
.chip[aria-pressed="true"] { background: var(--vscode-toolbar-activeBackground, var(--vscode-list-inactiveSelectionBackground)); }
.chip[aria-pressed="false"] { opacity: .55; text-decoration: line-through; }
.chip:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
.chip .dot { width: 8px; height: 8px; border-radius: 50%; }
.chip .codicon { font-size: 12px; }
.filter-text { width: 180px; }
.count { font-size: 11px; white-space: nowrap; }
.muted { color: var(--vscode-descriptionForeground); }
.lines { flex: 1; overflow-y: auto; padding: 4px 0; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); line-height: 1.45; background: var(--vscode-editor-background); }
.lines:focus { outline: none; }
.line { display: flex; gap: 10px; padding: 0 12px; white-space: pre-wrap; word-break: break-word; border-left: 2px solid transparent; }
.line:hover { background: var(--vscode-list-hoverBackground); }
.ts { color: var(--vscode-descriptionForeground); flex: none; font-variant-numeric: tabular-nums; }
.svc { flex: none; min-width: 7ch; font-weight: 600; }
.system .svc, .system .msg { color: var(--vscode-descriptionForeground); font-style: italic; }
.stderr { border-left-color: var(--vscode-errorForeground); background: color-mix(in srgb, var(--vscode-errorForeground) 7%, transparent); }
.stderr .msg { color: var(--vscode-errorForeground); }
.err-mark { flex: none; font-size: 10px; padding: 0 4px; border-radius: 3px; align-self: center; color: var(--vscode-errorForeground); border: 1px solid var(--vscode-errorForeground); line-height: 1.3; }
.reconnect { align-items: center; gap: 6px; margin: 4px 0; padding: 2px 12px; color: var(--vscode-editorWarning-foreground, var(--vscode-charts-yellow)); border-top: 1px dashed currentColor; border-bottom: 1px dashed currentColor; font-style: italic; }
`;
