// EdgePush: Start Simulated Device — one click: an `edgepush device` on the next free loopback address, shown in
// the tree under Simulated Devices. Start Simulated Device at Address… (startSimulatorAt.ts) asks for the address.
// Resolves with the address (used by Push's "Start a Simulated Device…").
import * as vscode from 'vscode';
import { messageOf } from '../../simulator/shared/errors.js';
import type { Services } from '../services.js';
import { readSettings } from '../settings.js';
import { nextFreeAddress } from '../simulators/addresses.js';
import type { Command } from './command.js';

export interface SimulatorChoice {
  address: string;
  /** A balena device type; the device's default when not given. */
  deviceType?: string;
}

/** The next loopback address that no known device and no running simulated device uses. */
export function freeSimulatorAddress(s: Services): string | undefined {
  const used = new Set([...s.store.all().map((d) => d.address), ...s.simulators.addresses()]);
  return nextFreeAddress(readSettings().simulatorFirstAddress, used);
}

export async function launchSimulator(s: Services, choice: SimulatorChoice): Promise<string | undefined> {
  const settings = readSettings();
  const a = choice.address;
  try {
    const handle = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('EdgePush: starting a simulated device at {0}', a),
        cancellable: true,
      },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return s.simulators.start(
          { address: a, linkRate: settings.simulatorLinkRate || undefined, deviceType: choice.deviceType },
          abort.signal,
        );
      },
    );
    s.store.add(a, 'simulated', handle.name, handle.linkRate);
    s.monitor.refresh(a);
    if (!s.targets.current || !s.store.get(s.targets.current)) await s.targets.remember(a);
    void vscode.window.showInformationMessage(vscode.l10n.t('EdgePush: simulated device {0} runs at {1}.', handle.name, a));
    return a;
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: could not start a simulated device at {0}: {1}', a, messageOf(err)));
    return undefined;
  }
}

export const startSimulatorCommand: Command = {
  id: 'edgepush.startSimulator',
  async run(s: Services): Promise<string | undefined> {
    const address = freeSimulatorAddress(s);
    if (!address) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t(
          'EdgePush: no free loopback address after {0}; set edgepush.simulator.firstAddress.',
          readSettings().simulatorFirstAddress,
        ),
      );
      return undefined;
    }
    return launchSimulator(s, { address });
  },
};
