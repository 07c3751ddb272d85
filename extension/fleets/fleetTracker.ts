// The fleets started on this machine (`edgepush fleet start`, or by anyone sharing the state dir), with each
// device's release and state, refreshed every few seconds while the device tree is visible. Feeds the tree's
// fleet groups and Push to Fleet.
import * as vscode from 'vscode';
import { Disposable, Emitter } from '../lifecycle.js';
import { loadWorkSoon } from '../workLoader.js';
import type { FleetDeviceStatus, FleetSummary } from '../../simulator/fleet/fleetStatus.js';
import { messageOf } from '../../simulator/shared/errors.js';

export interface FleetView {
  name: string;
  summary: FleetSummary;
  devices: FleetDeviceStatus[];
}

const REFRESH_MS = 5000;

export class FleetTracker extends Disposable {
  private readonly changed = this._register(new Emitter<void>());
  readonly onDidChange = this.changed.event;
  private fleets: FleetView[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;

  all(): readonly FleetView[] {
    return this.fleets;
  }

  get(name: string): FleetView | undefined {
    return this.fleets.find((f) => f.name === name);
  }

  /** Polls while `visible`; one refresh at once when it becomes visible. */
  setVisible(visible: boolean): void {
    if (visible && !this.timer) {
      void this.refresh();
      this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    } else if (!visible && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  async refresh(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const work = await loadWorkSoon();
      const records = await work.listFleets();
      this.fleets = await Promise.all(records.map(async (f) => ({ name: f.name, ...(await work.fleetStatus(f)) })));
      this.changed.fire();
    } catch (err) {
      void vscode.window.setStatusBarMessage(`EdgePush: cannot read fleets: ${messageOf(err)}`, 5000);
    } finally {
      this.busy = false;
    }
  }

  override dispose(): void {
    if (this.timer) clearInterval(this.timer);
    super.dispose();
  }
}
