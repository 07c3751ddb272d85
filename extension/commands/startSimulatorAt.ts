// EdgePush: Start Simulated Device at Address… — as Start Simulated Device, on an address the user picks.
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { readSettings } from '../settings.js';
import { isLoopback, parseIPv4 } from '../simulators/addresses.js';
import type { Command } from './command.js';
import { freeSimulatorAddress, launchSimulator } from './startSimulator.js';

export const startSimulatorAtCommand: Command = {
  id: 'edgepush.startSimulatorAt',
  async run(s: Services): Promise<string | undefined> {
    const settings = readSettings();
    const address = await vscode.window.showInputBox({
      title: vscode.l10n.t('Start Simulated Device at Address'),
      prompt: settings.simulatorLinkRate
        ? vscode.l10n.t('Loopback address for the device (link rate {0})', settings.simulatorLinkRate)
        : vscode.l10n.t('Loopback address for the device'),
      value: freeSimulatorAddress(s) ?? '127.0.0.2',
      validateInput: (v) => {
        if (!parseIPv4(v)) return vscode.l10n.t('An IPv4 address such as 127.0.0.2');
        if (!isLoopback(v)) return vscode.l10n.t('Simulated devices listen on loopback addresses (127.x.x.x)');
        if (s.simulators.has(v.trim())) return vscode.l10n.t('A simulated device already runs there');
        return undefined;
      },
    });
    if (!address) return undefined;
    return launchSimulator(s, { address: address.trim() });
  },
};
