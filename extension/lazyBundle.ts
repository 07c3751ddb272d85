// Loads one of the extension's lazily loaded bundles: dist/<bundle>.js beside dist/extension.js, or its entry
// module from source (unit tests under tsx). The require is built at run time so that esbuild leaves it alone
// instead of inlining the module into dist/extension.js.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function requireBundle<T>(bundle: string, sourceEntry: string): T {
  const bundled = join(__dirname, `${bundle}.js`);
  const file = existsSync(bundled) ? bundled : join(__dirname, sourceEntry);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as T;
}
