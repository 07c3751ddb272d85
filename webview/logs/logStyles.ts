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
.lines { flex: 1; overflow: auto; position: relative; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); background: var(--vscode-editor-background); }
.lines:focus { outline: none; }
.spacer { position: relative; min-width: 100%; width: max-content; }
.rows { position: absolute; top: 0; left: 0; right: 0; will-change: transform; }
/* Fixed row height: the panel draws only the rows in view (see logWindow.ts). */
.line { display: flex; gap: 10px; height: 20px; line-height: 20px; padding: 0 12px; white-space: pre; overflow: hidden; border-left: 2px solid transparent; }
.line:hover { background: var(--vscode-list-hoverBackground); }
.line { cursor: default; user-select: none; }
.line.selected { background: var(--vscode-list-inactiveSelectionBackground); }
.lines:focus-within .line.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground, inherit); }
.line.match .msg { background: var(--vscode-editor-findMatchHighlightBackground); }
.line.match-current .msg { background: var(--vscode-editor-findMatchBackground); outline: 1px solid var(--vscode-editor-findMatchBorder, transparent); }
.find-text { width: 160px; }
.find-count { min-width: 6ch; font-size: 11px; white-space: nowrap; }
.ts { color: var(--vscode-descriptionForeground); flex: none; font-variant-numeric: tabular-nums; }
.svc { flex: none; min-width: 7ch; font-weight: 600; }
.system .svc, .system .msg { color: var(--vscode-descriptionForeground); font-style: italic; }
.stderr { border-left-color: var(--vscode-errorForeground); background: color-mix(in srgb, var(--vscode-errorForeground) 7%, transparent); }
.stderr .msg { color: var(--vscode-errorForeground); }
.err-mark { flex: none; font-size: 10px; padding: 0 4px; border-radius: 3px; align-self: center; color: var(--vscode-errorForeground); border: 1px solid var(--vscode-errorForeground); line-height: 14px; height: 14px; }
.reconnect { align-items: center; gap: 6px; box-sizing: border-box; color: var(--vscode-editorWarning-foreground, var(--vscode-charts-yellow)); background: color-mix(in srgb, var(--vscode-editorWarning-foreground, #cca700) 10%, transparent); border-top: 1px dashed currentColor; border-bottom: 1px dashed currentColor; font-style: italic; }
`;
