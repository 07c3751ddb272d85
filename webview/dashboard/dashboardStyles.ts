// Dashboard styles: theme colours only (var(--vscode-*)), so it follows every light, dark and high-contrast theme.
export const dashboardCss = `
body { padding: 0 20px 24px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
.card { border: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent)); border-radius: 6px; padding: 12px 16px; margin: 16px 0 0; background: var(--vscode-sideBar-background, transparent); }
.card h2 { display: flex; align-items: center; gap: 6px; margin: 0 0 10px; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: var(--vscode-sideBarSectionHeader-foreground, var(--vscode-foreground)); }
.muted { color: var(--vscode-descriptionForeground); }
.small { font-size: 11px; margin: 8px 0 0; }
.device-title { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; }
.device-name { font-size: 15px; font-weight: 600; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 6px 18px; margin-bottom: 12px; }
.fact { display: flex; flex-direction: column; min-width: 0; }
.fact-label { font-size: 11px; color: var(--vscode-descriptionForeground); }
.fact-value { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: var(--vscode-editor-font-family); }
.actions { display: flex; gap: 8px; flex-wrap: wrap; }
.pill { display: inline-flex; align-items: center; gap: 4px; padding: 1px 8px; border-radius: 10px; font-size: 11px; border: 1px solid var(--vscode-widget-border, var(--vscode-descriptionForeground)); }
.pill .codicon { font-size: 12px; }
.pill-online, .pill-succeeded { color: var(--vscode-charts-green); border-color: var(--vscode-charts-green); }
.pill-offline, .pill-cancelled { color: var(--vscode-descriptionForeground); }
.pill-running, .pill-connecting { color: var(--vscode-charts-blue); border-color: var(--vscode-charts-blue); }
.pill-failed { color: var(--vscode-errorForeground); border-color: var(--vscode-errorForeground); }
.push-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
.step { margin: 4px 0 8px; color: var(--vscode-descriptionForeground); font-style: italic; }
.error { display: flex; gap: 6px; align-items: flex-start; color: var(--vscode-errorForeground); margin: 6px 0; white-space: pre-wrap; }
.service-row { display: grid; grid-template-columns: 160px 1fr; align-items: center; gap: 4px 12px; padding: 6px 0; border-top: 1px solid var(--vscode-widget-border, transparent); }
.service-row vscode-progress-bar { grid-column: 2; }
.service-name { display: inline-flex; align-items: center; gap: 6px; font-weight: 600; }
.track { display: flex; flex-wrap: wrap; gap: 4px; list-style: none; margin: 0; padding: 0; }
.phase { display: inline-flex; align-items: center; gap: 4px; padding: 2px 8px; border-radius: 3px; font-size: 12px; }
.phase-done { color: var(--vscode-charts-green); background: color-mix(in srgb, var(--vscode-charts-green) 12%, transparent); }
.phase-current { color: var(--vscode-charts-blue); background: color-mix(in srgb, var(--vscode-charts-blue) 15%, transparent); font-weight: 600; }
.phase-pending { color: var(--vscode-disabledForeground, var(--vscode-descriptionForeground)); }
.phase-bad { color: var(--vscode-errorForeground); background: color-mix(in srgb, var(--vscode-errorForeground) 15%, transparent); font-weight: 600; }
.report-service { padding: 6px 0 10px; border-top: 1px solid var(--vscode-widget-border, transparent); }
.report-service:first-of-type { border-top: none; }
.report-head { display: flex; align-items: center; gap: 12px; margin-bottom: 6px; flex-wrap: wrap; }
.bar-row { display: grid; grid-template-columns: 170px 1fr 90px 100px; align-items: center; gap: 10px; padding: 2px 0; font-size: 12px; }
.bar-track { height: 10px; background: var(--vscode-editorWidget-background, var(--vscode-input-background)); border-radius: 2px; overflow: hidden; }
.bar-fill { display: block; height: 100%; background: var(--vscode-charts-blue); opacity: .55; }
.highlight .bar-fill { background: var(--vscode-charts-green); opacity: 1; }
.highlight .bar-label, .highlight .bar-figure { font-weight: 600; }
.bar-figure { text-align: right; font-variant-numeric: tabular-nums; font-family: var(--vscode-editor-font-family); }
.bar-time { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.table-scroll { overflow-x: auto; }
table.history { width: 100%; border-collapse: collapse; font-size: 12px; }
table.history th { text-align: left; font-weight: 600; padding: 4px 8px; border-bottom: 1px solid var(--vscode-editorGroup-border, var(--vscode-widget-border, #8884)); color: var(--vscode-descriptionForeground); }
table.history td { padding: 4px 8px; white-space: nowrap; border-bottom: 1px solid var(--vscode-editorGroup-border, transparent); font-variant-numeric: tabular-nums; }
table.history tr:nth-child(even) td { background: var(--vscode-keybindingTable-rowsBackground, transparent); }
.result { display: inline-flex; align-items: center; gap: 4px; }
.result-succeeded { color: var(--vscode-charts-green); }
.result-failed { color: var(--vscode-errorForeground); }
.codicon-modifier-spin { animation: codicon-spin 1.5s steps(30) infinite; }
`;
