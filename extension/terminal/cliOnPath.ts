// The bundled CLI on the integrated terminal's PATH: a small `edgepush` launcher in the extension's storage runs
// dist/cli.js with the editor's own Node (desktop VS Code's is Electron: ELECTRON_RUN_AS_NODE makes it Node), and
// the extension's environmentVariableCollection puts its folder first on PATH for new terminals.
// `fs.promises`, read when the launcher is written (after activation): importing node:fs/promises at the top
// would load Node's promise-based fs (streams included, ~1.8 ms) on the activation path.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type * as vscode from 'vscode';

/** The launcher script: POSIX sh, the paths single-quoted. */
export function launcherScript(nodePath: string, cliPath: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\n# Written by the EdgePush extension: the edgepush CLI bundled with it.\nELECTRON_RUN_AS_NODE=1 exec ${q(nodePath)} ${q(cliPath)} "$@"\n`;
}

export async function putCliOnPath(context: vscode.ExtensionContext, enabled: boolean): Promise<void> {
  const env = context.environmentVariableCollection;
  env.description = 'Puts the edgepush command bundled with EdgePush on PATH.';
  if (!enabled || process.platform === 'win32') {
    env.delete('PATH');
    return;
  }
  const bin = join(context.globalStorageUri.fsPath, 'bin');
  const file = join(bin, 'edgepush');
  const script = launcherScript(process.execPath, join(context.extensionPath, 'dist', 'cli.js'));
  const current = await fs.readFile(file, 'utf8').catch(() => '');
  if (current !== script) {
    await fs.mkdir(bin, { recursive: true });
    await fs.writeFile(file, script);
    await fs.chmod(file, 0o755);
  }
  env.prepend('PATH', `${bin}:`);
}
