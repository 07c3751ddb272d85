// Packages the .vsix from the production build and prints its size and file list.
// Dependencies are bundled by esbuild (they are devDependencies), so vsce runs with --no-dependencies; package.json
// `files` says what goes in both the .vsix and the npm package. README links stay relative: the
// project has no public repository for vsce to point them at (the screenshot is not in the package).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, statSync } from 'node:fs';

const { name, version } = JSON.parse(readFileSync('package.json', 'utf8'));
const out = `${name}-${version}.vsix`;
// vsce lives in tools/ (scripts/setup-tools.sh), apart from the main install.
execFileSync('bash', ['scripts/setup-tools.sh'], { stdio: 'inherit' });
const vsce = join('tools', 'node_modules', '.bin', 'vsce');
execFileSync(
  vsce,
  ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '-o', out],
  {
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
const files = execFileSync(vsce, ['ls', '--no-dependencies'], { encoding: 'utf8' }).trim().split('\n');
const bytes = statSync(out).size;
console.log(`${out}: ${(bytes / 1024 / 1024).toFixed(2)} MB, ${files.length} files`);
const forbidden = files.filter((f) => !/^(dist\/|media\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$|package\.nls\.json$)/.test(f));
if (forbidden.length > 0) {
  console.error(`unexpected files in the package: ${forbidden.join(', ')}`);
  process.exit(1);
}
if (bytes > 3 * 1024 * 1024) {
  console.error(`package is ${bytes} bytes, over the 3 MB budget`);
  process.exit(1);
}
