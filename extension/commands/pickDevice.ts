// Resolving which device a command is about: a tree node or an address passed as argument, else a quick pick.
import * as vscode from 'vscode';
import type { DeviceRecord, DeviceSource } from '../devices/deviceRecord.js';
import type { Services } from '../services.js';
import { addressFromArg, serviceFromArg } from './commandArgs.js';

const stateText = (d: DeviceRecord) => (d.online === undefined ? 'connecting' : d.online ? 'online' : 'offline');

export function deviceItem(d: DeviceRecord): vscode.QuickPickItem & { address: string } {
  return {
    label: `$(${d.online ? 'vm-active' : 'vm-outline'}) ${d.name}`,
    description: `${d.name !== d.address ? `${d.address} · ` : ''}${stateText(d)}`,
    detail:
      [d.deviceType, d.arch, d.services.length ? d.services.map((s) => `${s.name}: ${s.status}`).join(', ') : undefined]
        .filter(Boolean)
        .join(' · ') || undefined,
    address: d.address,
  };
}

/** The device named by the argument, else one picked from the store (optionally only some sources). */
export async function pickDevice(s: Services, arg: unknown, placeHolder: string, sources?: DeviceSource[]): Promise<string | undefined> {
  const given = addressFromArg(arg);
  if (given) return given;
  const devices = s.store.all().filter((d) => !sources || sources.includes(d.source));
  if (devices.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('EdgePush: no devices yet. Start a simulated device or add one by address.'));
    return undefined;
  }
  if (devices.length === 1) return devices[0]!.address;
  const picked = await vscode.window.showQuickPick(devices.map(deviceItem), { placeHolder, matchOnDescription: true });
  return picked?.address;
}

/** A service of a device: from a tree node, else picked. */
export async function pickService(s: Services, arg: unknown): Promise<{ address: string; service: string } | undefined> {
  const address = await pickDevice(s, arg, 'Device of the service');
  if (!address) return undefined;
  const service = serviceFromArg(arg);
  if (service) return { address, service };
  const services = s.store.get(address)?.services ?? [];
  if (services.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('EdgePush: {0} runs no services yet.', address));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    services.map((x) => ({ label: x.name, description: x.status })),
    { placeHolder: 'Service' },
  );
  return picked ? { address, service: picked.label } : undefined;
}
