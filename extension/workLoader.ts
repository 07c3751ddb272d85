// Loads dist/extensionWork.js (the bundle of extension/work.ts) the first time something needs it.
import type * as Work from './work.js';
import { requireBundle } from './lazyBundle.js';

export type WorkModule = typeof Work;

let work: WorkModule | undefined;

export function loadWork(): WorkModule {
  work ??= requireBundle<WorkModule>('extensionWork', 'work');
  return work;
}

/** The same, after the current task, so callers never block activation. */
export function loadWorkSoon(): Promise<WorkModule> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(loadWork());
      } catch (err) {
        reject(err);
      }
    });
  });
}
