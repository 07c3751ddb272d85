// Typed access to the `edgepush.*` settings (declared in package.json `contributes.configuration`).
import * as vscode from 'vscode';
import type { BuildOn } from '../simulator/push/types.js';

export interface Settings {
  defaultTarget: string;
  buildOn: BuildOn;
  simulatorLinkRate: string;
  simulatorFirstAddress: string;
  /** Device type Start Simulated Device of Type… offers first ('' = from the project). */
  simulatorDeviceType: string;
  qemuBinary: string;
  qemuBoard: string;
  logBufferLines: number;
  livepush: boolean;
  addTerminalPath: boolean;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('edgepush');
  return {
    defaultTarget: c.get<string>('defaultTarget', '').trim(),
    buildOn: c.get<string>('buildOn', 'device') === 'local' ? 'local' : 'device',
    simulatorLinkRate: c.get<string>('simulator.linkRate', '').trim(),
    simulatorFirstAddress: c.get<string>('simulator.firstAddress', '127.0.0.2').trim() || '127.0.0.2',
    simulatorDeviceType: c.get<string>('simulator.deviceType', '').trim(),
    qemuBinary: c.get<string>('qemu.binary', 'qemu-system-x86_64'),
    qemuBoard: c.get<string>('qemu.board', 'x86_64'),
    logBufferLines: Math.max(100, Math.floor(c.get<number>('logs.bufferLines', 5000))),
    livepush: c.get<boolean>('livepush', true),
    addTerminalPath: c.get<boolean>('addTerminalPath', true),
  };
}
