// Runs the chosen test tiers (unit, integration, e2e) in one `node --test` run, so that one summary closes
// the output. Files are `test/<tier>/**/*.test.ts`, loaded through tsx. Files run one at a time: integration
// tests share loopback addresses and the Docker engine. The run claims its own 127.B.0.0/16 block
// (test/testNet.ts), so that another run on the same machine never shares an address with this one.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Arguments: tiers (unit, integration, e2e), or test files and folders (`node scripts/test.mjs test/unit/push`).
const args = process.argv.slice(2);
const known = ['unit', 'integration', 'e2e'];
for (const a of args) {
  if (!known.includes(a) && !a.startsWith('test/') && !a.startsWith('./test/')) {
    console.error(`unknown test tier '${a}' (expected ${known.join(', ')}, or a path under test/)`);
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

const files = args.flatMap((a) => {
  if (known.includes(a)) return findTests(join('test', a));
  if (a.endsWith('.test.ts')) return [a];
  return findTests(a);
});
if (files.length === 0) {
  console.error(`no test files found for: ${args.join(', ')}`);
  process.exit(1);
}
let net = process.env.EDGEPUSH_TEST_NET;
if (!net) {
  const claim = spawnSync(process.execPath, ['--import', 'tsx', join('test', 'testNet.ts'), '--claim', String(process.pid)], {
    encoding: 'utf8',
  });
  if (claim.status !== 0) {
    console.error(claim.stderr.trim() || 'could not claim a loopback block for the tests');
    process.exit(1);
  }
  net = claim.stdout.trim();
  process.on('exit', () => {
    try {
      unlinkSync(join(tmpdir(), 'edgepush-test-nets', net.split('.')[1]));
    } catch {
      /* already gone */
    }
  });
}
console.log(`test addresses: ${net}.0.0/16`);

const extra = process.env.EDGEPUSH_TEST_ONLY ? ['--test-name-pattern', process.env.EDGEPUSH_TEST_ONLY] : [];
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...extra, ...files], {
  stdio: 'inherit',
  env: { ...process.env, EDGEPUSH_TEST_NET: net },
});
process.exit(r.status ?? 1);
