// Commands whose work lives in a part of the simulator that has not landed yet say so plainly.
import * as vscode from 'vscode';
import type { Command } from './command.js';

export function notYetAvailable(id: string, what: string, issue: number): Command {
  return {
    id,
    run: () => vscode.window.showInformationMessage(`EdgePush: ${what} is not yet available (issue #${issue}).`),
  };
}
