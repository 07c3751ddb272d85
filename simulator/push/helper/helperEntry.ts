// Entry of dist/pushHelper.js, the program the delta helper container runs (helperMain.ts says what it does).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELPER_ROOT, runHelper, say } from './helperMain.js';

function nonceOfJob(): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(HELPER_ROOT, 'job.json'), 'utf8')) as { nonce?: string }).nonce;
  } catch {
    return undefined;
  }
}

runHelper().then(
  (r) => {
    say(r);
    process.exit(r.ok ? 0 : 1);
  },
  (err: unknown) => {
    say({ ok: false, error: err instanceof Error ? err.message : String(err), nonce: nonceOfJob() });
    process.exit(1);
  },
);
