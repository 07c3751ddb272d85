// Livepush after a good push: syncs saved files into the running containers (simulator/push/livepush), one
// session at a time; stopped by a new push, by Toggle Livepush, and with the extension.
import type { PushReport } from '../../simulator/push/types.js';
import { Disposable, toDisposable } from '../lifecycle.js';
import { messageOf } from '../../simulator/shared/errors.js';

export interface LivepushSession {
  projectDir: string;
  device: string;
  dispose(): void;
}

export type LivepushStarter = (projectDir: string, device: string, report: PushReport) => Promise<LivepushSession>;

export class Livepush extends Disposable {
  private session: LivepushSession | undefined;
  private last: { projectDir: string; device: string; report: PushReport } | undefined;

  constructor(
    private readonly starter: LivepushStarter | undefined,
    private readonly onError: (message: string) => void,
  ) {
    super();
    this._register(toDisposable(() => this.stop()));
  }

  get available(): boolean {
    return this.starter !== undefined;
  }

  get running(): boolean {
    return this.session !== undefined;
  }

  /** After a good push: remembers it (for a later Toggle Livepush) and starts livepush when it is on. */
  afterPush(projectDir: string, device: string, report: PushReport, enabled: boolean): void {
    this.last = { projectDir, device, report };
    if (enabled) this.start(projectDir, device, report);
  }

  start(projectDir: string, device: string, report: PushReport): void {
    this.stop();
    this.last = { projectDir, device, report };
    if (!this.starter) return;
    this.starter(projectDir, device, report).then(
      (s) => {
        if (this.last?.projectDir === projectDir && this.last.device === device && !this.isDisposed) this.session = s;
        else s.dispose();
      },
      (err: unknown) => this.onError(messageOf(err)),
    );
  }

  /** Starts again for the last push (after Toggle Livepush turned it back on). */
  resume(): boolean {
    if (!this.last || this.session) return false;
    this.start(this.last.projectDir, this.last.device, this.last.report);
    return true;
  }

  stop(): void {
    this.session?.dispose();
    this.session = undefined;
  }
}
