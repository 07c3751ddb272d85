// EdgePush: Start Simulated Device — an `edgepush device` on the next free loopback address (editable), shown
// in the tree under Simulated Devices. Resolves with its address (used by Push's "Start a Simulated Device…").
import * as vscode from 'vscode';
import { messageOf } from '../../simulator/shared/errors.js';
import type { Services } from '../services.js';
import { readSettings } from '../settings.js';
import { isLoopback, nextFreeAddress, parseIPv4 } from '../simulators/addresses.js';
import type { Command } from './command.js';

export const startSimulatorCommand: Command = {
  id: 'edgepush.startSimulator',
  async run(s: Services): Promise<string | undefined> {
    const settings = readSettings();
    const used = new Set(s.store.all().map((d) => d.address));
    const suggested = nextFreeAddress(settings.simulatorFirstAddress, used) ?? '127.0.0.2';
    const address = await vscode.window.showInputBox({
      title: 'Start Simulated Device',
      prompt: `Loopback address for the device${settings.simulatorLinkRate ? ` (link rate ${settings.simulatorLinkRate})` : ''}`,
      value: suggested,
      validateInput: (v) => {
        if (!parseIPv4(v)) return 'An IPv4 address such as 127.0.0.2';
        if (!isLoopback(v)) return 'Simulated devices listen on loopback addresses (127.x.x.x)';
        if (s.simulators.has(v.trim())) return 'A simulated device already runs there';
        return undefined;
      },
    });
    if (!address) return undefined;
    const a = address.trim();
    try {
      const handle = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `EdgePush: starting a simulated device at ${a}`, cancellable: true },
        (_progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return s.simulators.start({ address: a, linkRate: settings.simulatorLinkRate || undefined }, abort.signal);
        },
      );
      s.store.add(a, 'simulated', handle.name, handle.linkRate);
      s.monitor.refresh(a);
      if (!s.targets.current || !s.store.get(s.targets.current)) await s.targets.remember(a);
      void vscode.window.showInformationMessage(`EdgePush: simulated device ${handle.name} runs at ${a}.`);
      return a;
    } catch (err) {
      void vscode.window.showErrorMessage(`EdgePush: could not start a simulated device at ${a}: ${messageOf(err)}`);
      return undefined;
    }
  },
};
