// EdgePush: Edit Environment Variables — a small editor (quick pick + input) for the variables of a device (all
// its services) or of one service. They are saved per device and go with the next push to it, as
// `balena push --env` would send them; the device's running services keep their values until then.
import * as vscode from 'vscode';
import { parseAssignment, type EnvVar } from '../devices/deviceEnv.js';
import type { Services } from '../services.js';
import type { Command } from './command.js';
import { serviceFromArg } from './commandArgs.js';
import { pickDevice } from './pickDevice.js';

type Item = vscode.QuickPickItem & { v?: EnvVar; add?: true };

async function askAssignment(title: string, value: string, service: string | undefined): Promise<EnvVar | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('NAME=value'),
    value,
    validateInput: (t) =>
      parseAssignment(t, service)
        ? undefined
        : vscode.l10n.t('NAME=value, where NAME is letters, digits and _ (not starting with a digit)'),
  });
  return text === undefined ? undefined : parseAssignment(text, service);
}

export const editEnvCommand: Command = {
  id: 'edgepush.editEnv',
  async run(s: Services, arg?: unknown) {
    const address = await pickDevice(s, arg, vscode.l10n.t('Variables of which device?'));
    if (!address) return;
    const service = serviceFromArg(arg);
    const scope = service ? vscode.l10n.t('{0} on {1}', service, address) : vscode.l10n.t('all services on {0}', address);
    for (;;) {
      const vars = s.env.of(address).filter((v) => (service ? v.service === service : true));
      const items: Item[] = [
        { label: `$(add) ${vscode.l10n.t('Add Variable…')}`, add: true },
        ...vars.map((v) => ({
          label: `${v.name}=${v.value}`,
          description: v.service ? vscode.l10n.t('service {0}', v.service) : vscode.l10n.t('every service'),
          v,
        })),
      ];
      const picked = await vscode.window.showQuickPick(items, {
        title: vscode.l10n.t('Environment of {0}', scope),
        placeHolder: vars.length
          ? vscode.l10n.t('Pick a variable to change or remove; the next push applies them')
          : vscode.l10n.t('No variables yet; the next push applies what you add'),
      });
      if (!picked) return;
      if (picked.add) {
        const v = await askAssignment(vscode.l10n.t('New variable for {0}', scope), '', service);
        if (v) await s.env.set(address, v);
        continue;
      }
      const v = picked.v!;
      const edit = vscode.l10n.t('Edit Value');
      const remove = vscode.l10n.t('Remove');
      const action = await vscode.window.showQuickPick([edit, remove], { title: `${v.name} (${picked.description})` });
      if (action === remove) await s.env.remove(address, v);
      else if (action === edit) {
        const next = await askAssignment(vscode.l10n.t('Change {0}', v.name), `${v.name}=${v.value}`, v.service);
        if (next) {
          if (next.name !== v.name) await s.env.remove(address, v);
          await s.env.set(address, next);
        }
      }
    }
  },
};
