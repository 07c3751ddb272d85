// EdgePush: Start Simulated Device of Type… — a quick pick of balena device types by their friendly names (the
// default from edgepush.simulator.deviceType, else the type the open project points to); the device runs its
// containers as that type's architecture (ARM under qemu-user on this machine).
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { readSettings } from '../settings.js';
import { defaultDeviceType, deviceTypeItems, projectDeviceType } from '../simulators/deviceTypePick.js';
import type { Command } from './command.js';
import { freeSimulatorAddress, launchSimulator } from './startSimulator.js';

/** The device type the first workspace folder's project points to (balena.yml, Dockerfile variants). */
export async function openProjectType(): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) return undefined;
  try {
    const entries = await vscode.workspace.fs.readDirectory(folder);
    const names = entries.map(([n]) => n);
    const yml = names.find((n) => n === 'balena.yml' || n === 'balena.yaml');
    const text = yml ? new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, yml))) : undefined;
    return projectDeviceType(names, text);
  } catch {
    return undefined;
  }
}

export const startSimulatorOfTypeCommand: Command = {
  id: 'edgepush.startSimulatorOfType',
  async run(s: Services, arg?: unknown): Promise<string | undefined> {
    const settings = readSettings();
    let deviceType = typeof arg === 'string' ? arg : undefined;
    if (!deviceType) {
      const items = deviceTypeItems(defaultDeviceType(settings.simulatorDeviceType, await openProjectType()));
      const picked = await vscode.window.showQuickPick(items, {
        title: vscode.l10n.t('Start Simulated Device of Type'),
        placeHolder: vscode.l10n.t('Device type (its architecture runs under qemu-user where it is not this machine’s)'),
        matchOnDescription: true,
      });
      if (!picked) return undefined;
      deviceType = picked.slug;
    }
    const address = freeSimulatorAddress(s);
    if (!address) {
      void vscode.window.showErrorMessage(
        vscode.l10n.t('EdgePush: no free loopback address after {0}; set edgepush.simulator.firstAddress.', settings.simulatorFirstAddress),
      );
      return undefined;
    }
    return launchSimulator(s, { address, deviceType });
  },
};
