// The "EdgePush" output channel (a LogOutputChannel): each push's steps, warnings, build output and result, so a
// failed build can be read in full ("Show Build Log" on the failure notification). Made on first use, so
// activation stays light.
import * as vscode from 'vscode';
import type { PushEvent } from '../../simulator/push/types.js';
import { Disposable } from '../lifecycle.js';

export class BuildLog extends Disposable {
  private channel: vscode.LogOutputChannel | undefined;

  private get out(): vscode.LogOutputChannel {
    this.channel ??= this._register(vscode.window.createOutputChannel('EdgePush', { log: true }));
    return this.channel;
  }

  begin(project: string, device: string): void {
    this.out.info(`push ${project} to ${device}`);
  }

  event(e: PushEvent): void {
    if (e.type === 'build-output') this.out.info(`[${e.service}] ${e.line}`);
    else if (e.type === 'step') {
      if (e.message.startsWith('warning: ')) this.out.warn(e.message.slice('warning: '.length));
      else this.out.info(e.message);
    } else if (e.type === 'service' && (e.phase === 'failed' || e.phase === 'exited'))
      this.out.error(`[${e.service}] ${e.phase}${e.message ? `: ${e.message}` : ''}`);
    else if (e.type === 'release') this.out.info(`release ${e.release}`);
  }

  end(result: string, failed: boolean): void {
    if (failed) this.out.error(result);
    else this.out.info(result);
  }

  show(): void {
    this.out.show(true);
  }
}
