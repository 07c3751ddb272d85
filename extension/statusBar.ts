// The status bar item: the current target and its state; a click opens the dashboard.
import * as vscode from 'vscode';
import type { DashboardModel } from './dashboard/dashboardModel.js';
import { Disposable } from './lifecycle.js';

export class StatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('edgepush.target', vscode.StatusBarAlignment.Left, 50));

  constructor(private readonly model: DashboardModel) {
    super();
    this.item.name = 'EdgePush Target';
    this.item.command = 'edgepush.openDashboard';
    this._register(model.onDidChange(() => this.render()));
    this.render();
    this.item.show();
  }

  private render(): void {
    const { target, current } = this.model.state();
    if (current?.status === 'running') {
      this.item.text = `$(sync~spin) EdgePush: pushing to ${current.device}`;
      this.item.tooltip = current.step ?? 'Pushing…';
      this.item.backgroundColor = undefined;
      return;
    }
    if (!target) {
      this.item.text = '$(vm-outline) EdgePush: no target';
      this.item.tooltip = 'No target device yet. Click to open the EdgePush dashboard.';
      this.item.backgroundColor = undefined;
      return;
    }
    const running = target.services.filter((s) => s.status.toLowerCase() === 'running').length;
    const state =
      target.online === false
        ? 'offline'
        : target.online
          ? target.services.length
            ? `${running}/${target.services.length} running`
            : 'online'
          : 'connecting';
    this.item.text = `${target.online ? '$(vm-active)' : '$(vm-outline)'} ${target.name}: ${state}`;
    this.item.tooltip = new vscode.MarkdownString(
      `**EdgePush target** ${target.name} (${target.address})\n\n${state}${current?.status === 'failed' ? `\n\nLast push failed: ${current.error ?? ''}` : ''}\n\nClick to open the dashboard.`,
    );
    this.item.backgroundColor =
      target.online === false || current?.status === 'failed' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  }
}
