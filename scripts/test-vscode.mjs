// The extension's tests in a desktop VS Code through @vscode/test-electron, where one is installed. Nothing is
// downloaded: the VS Code to use comes from EDGEPUSH_VSCODE (path to the `code` executable or the Electron binary),
// else `code` on PATH. Without one this says so and exits 0 (skipped): on the CI machine there is no desktop VS
// Code; the end-to-end tests run in code-server instead (npm run test:e2e).
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';

function findVsCode() {
  if (process.env.EDGEPUSH_VSCODE) return process.env.EDGEPUSH_VSCODE;
  const which = spawnSync('sh', ['-c', 'command -v code || command -v codium'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

const executable = findVsCode();
if (process.env.EDGEPUSH_VSCODE && !existsSync(process.env.EDGEPUSH_VSCODE)) {
  console.error(`EDGEPUSH_VSCODE=${process.env.EDGEPUSH_VSCODE} does not exist`);
  process.exit(1);
}
if (!executable || !existsSync(executable)) {
  console.log('test:vscode skipped: no desktop VS Code here. Set EDGEPUSH_VSCODE=/path/to/code (or put `code` on PATH) to run');
  console.log('the extension tests in it; the end-to-end tests in code-server (npm run test:e2e) cover the same ground here.');
  process.exit(0);
}
if (!existsSync('dist/extension.js')) {
  console.error('dist/extension.js is missing: run `npm run build` first (npm run test:vscode does).');
  process.exit(1);
}

const root = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'edgepush-vscode-'));
const suite = join(work, 'suite.js');
await esbuild.build({
  entryPoints: ['test/vscode/suite.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  outfile: suite,
  logLevel: 'warning',
});
// @vscode/test-electron lives in tools/ (scripts/setup-tools.sh), apart from the main install.
execFileSync('bash', ['scripts/setup-tools.sh'], { stdio: 'inherit' });
const { runTests } = createRequire(resolve('tools/package.json'))('@vscode/test-electron');
let code = 0;
try {
  await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: root,
    extensionTestsPath: suite,
    launchArgs: [
      root,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--user-data-dir',
      join(work, 'user'),
      '--extensions-dir',
      join(work, 'extensions'),
    ],
  });
  console.log('test:vscode passed');
} catch (err) {
  console.error(`test:vscode failed: ${err instanceof Error ? err.message : String(err)}`);
  code = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
