// `npm run bench`: every benchmark in one run, each printing its figures beside its anchors or goals.
// Pick some with arguments: `npm run bench -- delta push` (names: delta, memory, push, arm, board, activation, fleet, agent).
import { spawnSync } from 'node:child_process';

const all = ['activation', 'delta', 'memory', 'push', 'arm', 'agent', 'board', 'fleet'];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : all;
const unknown = chosen.filter((n) => !all.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')} (expected ${all.join(', ')})`);
  process.exit(2);
}
let failed = [];
for (const name of chosen) {
  console.log(`\n=== bench:${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.bench.ts`], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(name);
}
if (failed.length) {
  console.error(`\nbenchmarks that did not finish: ${failed.join(', ')}`);
  process.exit(1);
}
