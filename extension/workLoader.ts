// Loads dist/extensionWork.js (the bundle of extension/work.ts) the first time something needs it. The require
// is built at run time so that esbuild leaves it alone instead of inlining the module into dist/extension.js.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Work from './work.js';

export type WorkModule = typeof Work;

let work: WorkModule | undefined;

export function loadWork(): WorkModule {
  if (!work) {
    // Bundled: dist/extensionWork.js beside dist/extension.js. From source (unit tests under tsx): work.ts.
    const bundled = join(__dirname, 'extensionWork.js');
    const file = existsSync(bundled) ? bundled : join(__dirname, 'work');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    work = require(file) as WorkModule;
  }
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
