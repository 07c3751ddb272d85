// The "Devices" view: turns the pure tree model into vscode.TreeItems and refreshes when the store changes.
import * as vscode from 'vscode';
import type { DeviceStore } from '../devices/deviceStore.js';
import { Disposable } from '../lifecycle.js';
import type { TreeNode } from './treeModel.js';
import { deviceNodes, rootNodes, serviceNodes } from './treeModel.js';
import { fleetDeviceNodes, fleetNodes, type FleetTreeNode } from './fleetNodes.js';
import type { FleetTracker } from '../fleets/fleetTracker.js';

type Node = TreeNode | FleetTreeNode;

const collapsible = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
} as const;

export class DeviceTreeProvider extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly changed = this._register(new vscode.EventEmitter<Node | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: DeviceStore,
    private readonly fleets?: FleetTracker,
  ) {
    super();
    // Coalesce bursts of changes (several devices probed at once) into one refresh.
    const refresh = () => {
      if (this.pending) return;
      this.pending = setTimeout(() => {
        this.pending = undefined;
        this.changed.fire(undefined);
      }, 50);
    };
    this._register(store.onDidChange(refresh));
    if (fleets) this._register(fleets.onDidChange(refresh));
  }

  getChildren(node?: Node): Node[] {
    const devices = this.store.all();
    if (!node) return [...rootNodes(devices), ...fleetNodes(this.fleets?.all() ?? [])];
    if (node.kind === 'fleet') {
      const f = this.fleets?.get(node.fleet);
      return f ? fleetDeviceNodes(f) : [];
    }
    if (node.kind === 'fleetDevice') return [];
    if (node.kind === 'group') return deviceNodes(devices, node.source);
    if (node.kind === 'device') {
      const d = this.store.get(node.address);
      return d ? serviceNodes(d) : [];
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const item = new vscode.TreeItem(node.label, collapsible[node.collapsible]);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    if (node.kind === 'service') item.command = { command: 'edgepush.showLogs', title: 'Show Logs', arguments: [node] };
    return item;
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'group' || node.kind === 'fleet') return undefined;
    if (node.kind === 'fleetDevice') {
      const f = this.fleets?.get(node.fleet);
      return f ? fleetNodes([f])[0] : undefined;
    }
    const d = this.store.get(node.address);
    if (!d) return undefined;
    if (node.kind === 'device') return rootNodes([d])[0];
    return deviceNodes([d], d.source)[0];
  }

  override dispose(): void {
    clearTimeout(this.pending);
    super.dispose();
  }
}
