// EdgePush: Start QEMU Board — an emulated x86_64 or aarch64 board (simulator/board) of a device type picked by
// its friendly name, on a loopback address, shown under
// QEMU Boards with its boot phases (kernel, init, engine, agent, online). The first start builds the board image
// (minutes, cached afterwards). The board keeps running when VS Code closes; Stop QEMU Board powers it off.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { messageOf } from '../../simulator/shared/errors.js';
import type { Services } from '../services.js';
import { readSettings } from '../settings.js';
import { isLoopback, nextFreeAddress, parseIPv4 } from '../simulators/addresses.js';
import type { Command } from './command.js';
import { boardTypeItems, defaultBoardType } from '../simulators/deviceTypePick.js';
import { openProjectType } from './startSimulatorOfType.js';
import { loadWorkSoon } from '../workLoader.js';

export const startBoardCommand: Command = {
  id: 'edgepush.startBoard',
  async run(s: Services): Promise<string | undefined> {
    const settings = readSettings();
    const used = new Set(s.store.all().map((d) => d.address));
    const address = await vscode.window.showInputBox({
      title: vscode.l10n.t('Start QEMU Board'),
      prompt: `Loopback address the board's ports (48484, 2375, 22222) are forwarded from (${settings.qemuBoard}, ${settings.qemuBinary})`,
      value: nextFreeAddress('127.0.0.3', used) ?? '127.0.0.3',
      validateInput: (v) => (parseIPv4(v) && isLoopback(v) ? undefined : 'A loopback address such as 127.0.0.3'),
    });
    if (!address) return undefined;
    const a = address.trim();
    const picked = await vscode.window.showQuickPick(boardTypeItems(defaultBoardType(settings.qemuBoard, await openProjectType())), {
      title: vscode.l10n.t('Start QEMU Board'),
      placeHolder: vscode.l10n.t('Device type (x86_64 boards, or aarch64 under TCG)'),
      matchOnDescription: true,
    });
    if (!picked) return undefined;
    // qemu.binary is the x86 emulator unless changed: an aarch64 board takes qemu-system-aarch64 then
    const qemu = picked.board === 'aarch64' && settings.qemuBinary === 'qemu-system-x86_64' ? undefined : settings.qemuBinary;
    const { boardNameFor, startBoard } = await loadWorkSoon();
    const name = boardNameFor(a);
    s.store.add(a, 'board', name);
    s.store.update(a, { bootPhase: 'starting' });
    if (!s.targets.current || !s.store.get(s.targets.current)) await s.targets.remember(a);
    try {
      const handle = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('EdgePush: starting QEMU board {0}', name),
          cancellable: true,
        },
        async (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          // the phases so far with their times, e.g. "kernel 1.4 s → init 3.9 s → agent 5.6 s → engine 12.0 s"
          const seen: string[] = [];
          return startBoard(
            {
              board: picked.board,
              deviceType: picked.slug,
              address: a,
              name,
              qemu,
              agentBundle: join(s.context.extensionPath, 'dist', 'agent.js'),
              progress: { update: (phase) => progress.report({ message: phase }), done: () => undefined },
            },
            {
              signal: abort.signal,
              onPhase: (e) => {
                if (e.phase !== 'qemu') seen.push(`${e.phase} ${e.at.toFixed(1)} s`);
                progress.report({ message: seen.join(' → ') });
                if (s.store.get(a)) s.store.update(a, { bootPhase: e.phase === 'online' ? undefined : e.phase });
              },
            },
          );
        },
      );
      s.monitor.refresh(a);
      const how = handle.restored ? vscode.l10n.t('restored from its saved state') : vscode.l10n.t('booted');
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          'EdgePush: board {0} is online at {1} ({2}, {3} in {4} s).',
          handle.name,
          a,
          handle.accel.toUpperCase(),
          how,
          handle.bootSeconds.toFixed(1),
        ),
      );
      return a;
    } catch (err) {
      if (s.store.get(a)) s.store.update(a, { bootPhase: undefined, online: false, error: messageOf(err) });
      void vscode.window.showErrorMessage(vscode.l10n.t('EdgePush: the board at {0} did not start: {1}', a, messageOf(err)));
      return undefined;
    }
  },
};
