// EdgePush: Open in Browser — a port the service publishes on its device, opened with the system browser
// (`openExternal`, which also forwards the port in a remote window). Several ports: a pick.
import * as vscode from 'vscode';
import { messageOf } from '../../simulator/shared/errors.js';
import { clientFor } from '../devices/deviceAccess.js';
import type { Services } from '../services.js';
import { loadWorkSoon } from '../workLoader.js';
import type { Command } from './command.js';
import { pickService } from './pickDevice.js';

export const openInBrowserCommand: Command = {
  id: 'edgepush.openInBrowser',
  async run(s: Services, arg?: unknown) {
    const target = await pickService(s, arg);
    if (!target) return undefined;
    try {
      const [{ servicePorts }, client] = await Promise.all([loadWorkSoon(), clientFor(target.address, 10_000)]);
      const ports = await servicePorts(client, target.service);
      if (ports.length === 0) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('EdgePush: {0} publishes no TCP port (add ports: to its service in docker-compose.yml).', target.service),
        );
        return undefined;
      }
      const pick =
        ports.length === 1
          ? ports[0]
          : await vscode.window
              .showQuickPick(
                ports.map((p) => ({ label: p.url, description: p.containerPort, port: p })),
                { placeHolder: vscode.l10n.t('Which port?') },
              )
              .then((x) => x?.port);
      if (!pick) return undefined;
      await vscode.env.openExternal(vscode.Uri.parse(pick.url));
      return pick.url;
    } catch (err) {
      void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: could not read the ports of {0}: {1}', target.service, messageOf(err)));
      return undefined;
    }
  },
};
