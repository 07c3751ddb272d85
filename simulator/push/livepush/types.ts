// The public types of livepush (see README.md).
import type { BuildOn, DeviceAccess, PushEvent, PushReport } from '../types.js';

export interface LivepushOptions {
  projectDir: string;
  device: string;
  access?: DeviceAccess;
  /** The `--env` values of the push; kept for rebuilds (a Dockerfile or compose change). */
  env?: string[];
  /** Watch only these services (all with a build context when omitted). */
  services?: string[];
  /** How rebuilds build (default 'device'). */
  buildOn?: BuildOn;
  /** Quiet time after the last file event before a sync starts (ms, default 100). */
  debounceMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: LivepushEvent) => void;
}

export type LivepushEvent =
  /** Watchers are ready for these services. */
  | { type: 'ready'; services: string[] }
  /** A sync of a batch of files started. */
  | { type: 'sync'; service: string; changed: string[]; deleted: string[] }
  /** The batch is in the container (and the container restarted if needed). */
  | {
      type: 'synced';
      service: string;
      copied: number;
      deleted: number;
      commands: string[];
      restarted: boolean;
      seconds: number;
      unmatched: string[];
    }
  /** Output of a re-run RUN step. */
  | { type: 'command-output'; service: string; line: string }
  /** A Dockerfile, `.dockerignore` or compose change: the project is rebuilt and pushed again. */
  | { type: 'rebuild'; reason: string }
  /** An event of that rebuild's push. */
  | { type: 'push'; event: PushEvent }
  | { type: 'rebuilt'; report: PushReport }
  /** A sync or rebuild failed; livepush keeps watching. */
  | { type: 'error'; service?: string; message: string };

export interface LivepushHandle {
  readonly services: readonly string[];
  /** Resolves when no change is pending and no sync or rebuild runs. */
  idle(): Promise<void>;
  /** Stops watching; waits for a running sync to finish. */
  dispose(): Promise<void>;
}
