// Runs the chosen test tiers (unit, integration, e2e) in one `node --test` run, so that one summary closes
// the output. Files are `test/<tier>/**/*.test.ts`, loaded through tsx. Files run one at a time: integration
// tests share loopback addresses and the Docker engine.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tiers = process.argv.slice(2);
const known = ['unit', 'integration', 'e2e'];
for (const t of tiers) {
  if (!known.includes(t)) {
    console.error(`unknown test tier '${t}' (expected ${known.join(', ')})`);
    process.exit(2);
  }
}

function findTests(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    if (e.startsWith('.') || e === 'artifacts' || e === 'node_modules') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(findTests(p));
    else if (e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = tiers.flatMap((t) => findTests(join('test', t)));
if (files.length === 0) {
  console.error(`no test files found for: ${tiers.join(', ')}`);
  process.exit(1);
}
const extra = process.env.EDGEPUSH_TEST_ONLY ? ['--test-name-pattern', process.env.EDGEPUSH_TEST_ONLY] : [];
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...extra, ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
