// An integrated terminal attached to a shell in a service's container through the device's engine `exec`
// (simulator/push/serviceShell.ts): keystrokes go to the shell, its output to the terminal, and the terminal's
// size to the exec (resize). Closing the terminal ends the shell; the shell ending closes the terminal.
import * as vscode from 'vscode';
import type { ShellSession } from '../../simulator/push/serviceShell.js';
import { messageOf } from '../../simulator/shared/errors.js';
import { clientFor } from '../devices/deviceAccess.js';
import { loadWorkSoon } from '../workLoader.js';

export function openServiceTerminal(address: string, service: string, deviceName: string): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  let session: ShellSession | undefined;
  let pendingSize: vscode.TerminalDimensions | undefined;
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: (dims) => {
      pendingSize = dims;
      write.fire(vscode.l10n.t('Connecting to {0} on {1}…', service, deviceName) + '\r\n');
      void (async () => {
        try {
          const [{ openServiceShell }, client] = await Promise.all([loadWorkSoon(), clientFor(address, 10_000)]);
          session = await openServiceShell(client, service, { tty: true, cols: pendingSize?.columns, rows: pendingSize?.rows });
          session.stdout.on('data', (b: Buffer) => write.fire(b.toString('utf8')));
          void session.exited.then((code) => {
            write.fire(`\r\n${vscode.l10n.t('[shell ended with code {0}]', String(code ?? '?'))}\r\n`);
            close.fire(code ?? undefined);
          });
        } catch (err) {
          write.fire(`\r\n${vscode.l10n.t('Could not open a shell in {0}: {1}', service, messageOf(err))}\r\n`);
        }
      })();
    },
    handleInput: (data) => session?.write(data),
    setDimensions: (dims) => {
      pendingSize = dims;
      void session?.resize(dims.columns, dims.rows);
    },
    close: () => {
      session?.close();
      write.dispose();
      close.dispose();
    },
  };
  const terminal = vscode.window.createTerminal({ name: `${service} @ ${deviceName}`, pty, iconPath: new vscode.ThemeIcon('terminal') });
  terminal.show();
  return terminal;
}
