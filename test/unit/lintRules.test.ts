// The folder rules of simulator/README.md and webview/README.md are lint errors, not only words: these run ESLint
// with the project's own config on small sources placed in each folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

test('a folder importing one its README forbids fails lint; an allowed import passes', async () => {
  const forbidden = await ruleIds('simulator/engine/newFile.ts', "import { x } from '../device/device.js';\nexport const y = x;\n");
  assert.equal(forbidden.length, 1, forbidden.join('\n'));
  assert.match(forbidden[0]!, /^no-restricted-imports: .*simulator\/engine\/ may import only shared/);
  assert.deepEqual(await ruleIds('simulator/engine/newFile.ts', "import { x } from '../shared/errors.js';\nexport const y = x;\n"), []);
  const deep = await ruleIds('simulator/push/build/newFile.ts', "import { x } from '../../device/device.js';\nexport const y = x;\n");
  assert.match(deep.join('\n'), /simulator\/push\/ may import only engine, shared/);
  assert.deepEqual(await ruleIds('simulator/fleet/newFile.ts', "import { x } from '../device/device.js';\nexport const y = x;\n"), []);
});

test('simulator/ never imports the editor; the webview imports simulator/shared only and no Node modules', async () => {
  assert.match(
    (await ruleIds('simulator/cli/newFile.ts', "import { x } from '../../extension/settings.js';\nexport const y = x;\n")).join('\n'),
    /never imports the editor/,
  );
  assert.match(
    (await ruleIds('simulator/device/newFile.ts', "import * as vscode from 'vscode';\nexport const y = vscode;\n")).join('\n'),
    /Only extension\/ may import vscode/,
  );
  assert.match(
    (await ruleIds('webview/dashboard/newFile.ts', "import { x } from '../../simulator/push/report.js';\nexport const y = x;\n")).join(
      '\n',
    ),
    /simulator\/shared only/,
  );
  assert.match(
    (await ruleIds('webview/newFile.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n")).join('\n'),
    /no Node modules/,
  );
  assert.deepEqual(
    await ruleIds(
      'webview/dashboard/newFile.ts',
      "import { formatBytes } from '../../simulator/shared/units.js';\nexport const y = formatBytes;\n",
    ),
    [],
  );
});

test('zod is imported as a namespace everywhere (the named `z` drags every locale into a bundle)', async () => {
  assert.match(
    (await ruleIds('extension/newFile.ts', "import { z } from 'zod';\nexport const s = z.string();\n")).join('\n'),
    /^no-restricted-syntax: Use `import \* as z from 'zod'`/,
  );
  assert.deepEqual(await ruleIds('extension/newFile.ts', "import * as z from 'zod';\nexport const s = z.string();\n"), []);
});
