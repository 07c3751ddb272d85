// Restart All / Reboot / Purge Data: one supervisor call with progress, errors said, the tree refreshed.
import * as vscode from 'vscode';
import type { DeviceClient } from '../../simulator/push/deviceClient.js';
import { messageOf } from '../../simulator/shared/errors.js';
import { clientFor } from '../devices/deviceAccess.js';
import type { Services } from '../services.js';

export async function runDeviceAction(
  s: Services,
  address: string,
  title: string,
  call: (c: DeviceClient) => Promise<void>,
): Promise<boolean> {
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, async () =>
      call(await clientFor(address, 10_000)),
    );
    return true;
  } catch (err) {
    void vscode.window.showErrorMessage(`${title}: ${messageOf(err)}`);
    return false;
  } finally {
    s.monitor.refresh(address);
  }
}
