// `npm run fuzz`: mutated byte and image deltas through the engine's decoders, and (with --requests) crafted
// requests against a real agent, for a given time or number of deltas. Prints tried / rejected /
// accepted-correct / wrong / crashed; a finding's input is kept in the findings folder and replays by its index.
// Not part of CI (it runs as long as it is asked to).
//
//   npm run fuzz -- [--deltas N | --seconds S] [--seed X] [--workers K] [--image-every N] [--requests]
//                   [--findings DIR] [--replay INDEX]
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import type { Outcome, Progress, Report, WorkerJob } from './fuzzWorker.js';
import { RequestFuzzer } from './requests.js';
import { testAddress } from '../testNet.js';

const { values } = parseArgs({
  options: {
    deltas: { type: 'string' },
    seconds: { type: 'string' },
    seed: { type: 'string', default: String(Date.now() % 1e9) },
    workers: { type: 'string', default: '1' },
    'image-every': { type: 'string', default: '4' },
    requests: { type: 'boolean', default: false },
    findings: { type: 'string', default: join(tmpdir(), 'edgepush-fuzz-findings') },
    replay: { type: 'string' },
  },
});

const seed = Number(values.seed);
const total = values.deltas ? Number(values.deltas) : values.replay ? 1 : Number.MAX_SAFE_INTEGER;
const deadline = values.seconds
  ? Date.now() + Number(values.seconds) * 1000
  : values.deltas || values.replay
    ? Infinity
    : Date.now() + 60_000;
const workers = values.replay ? 1 : Math.max(1, Number(values.workers));
const HANG_MS = 120_000;

type Counts = Record<Outcome, number>;
const zero = (): Counts => ({ rejected: 0, 'accepted-correct': 0, wrong: 0, crashed: 0 });
const totals = { byte: zero(), image: zero() };
const findings: Report[] = [];
const started = Date.now();

function add(into: Counts, from: Counts, sign = 1): void {
  for (const k of Object.keys(into) as Outcome[]) into[k] += sign * from[k];
}

function table(): string {
  const row = (name: string, c: Counts) => {
    const tried = c.rejected + c['accepted-correct'] + c.wrong + c.crashed;
    return `${name.padEnd(12)}${String(tried).padStart(11)}${String(c.rejected).padStart(11)}${String(c['accepted-correct']).padStart(18)}${String(c.wrong).padStart(8)}${String(c.crashed).padStart(9)}`;
  };
  const all = zero();
  add(all, totals.byte);
  add(all, totals.image);
  const secs = (Date.now() - started) / 1000;
  const tried = all.rejected + all['accepted-correct'] + all.wrong + all.crashed;
  return [
    `${'kind'.padEnd(12)}${'tried'.padStart(11)}${'rejected'.padStart(11)}${'accepted-correct'.padStart(18)}${'wrong'.padStart(8)}${'crashed'.padStart(9)}`,
    row('byte delta', totals.byte),
    row('image delta', totals.image),
    row('all deltas', all),
    `${secs.toFixed(0)} s, ${(tried / Math.max(secs, 1e-3)).toFixed(0)} deltas/s, seed ${seed}`,
  ].join('\n');
}

/** Runs cases [from, to) on a worker; restarts past a case that crashed the worker or never finished. */
async function runRange(from: number, to: number): Promise<void> {
  let next = from;
  while (next < to && Date.now() < deadline) {
    const job: WorkerJob = { seed, from: next, to, imageEvery: Math.max(1, Number(values['image-every'])), findings: values.findings! };
    const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(resolve(__dirname, 'fuzzWorker.ts'))});`, {
      eval: true,
      workerData: job,
    });
    const mine = { byte: zero(), image: zero() };
    let lastIndex = next - 1;
    let lastAt = Date.now();
    let ready = false;
    const outcome = await new Promise<'finished' | 'deadline' | 'hang' | 'died'>((resolveRun) => {
      const timer = setInterval(() => {
        if (Date.now() >= deadline) resolveRun('deadline');
        else if (Date.now() - lastAt > HANG_MS) resolveRun('hang');
      }, 1000);
      w.on('message', (m: { ready?: boolean; progress?: Progress; finding?: Report; finished?: boolean }) => {
        if (m.ready) ready = true;
        if (m.finding) {
          findings.push(m.finding);
          console.log(`\nFINDING ${m.finding.kind} case ${m.finding.index}: ${m.finding.outcome}: ${m.finding.note ?? ''}`);
        }
        if (m.progress) {
          for (const k of ['byte', 'image'] as const) {
            add(totals[k], mine[k], -1);
            mine[k] = { ...m.progress.counts[k] };
            add(totals[k], mine[k]);
          }
          lastIndex = m.progress.index;
          lastAt = Date.now();
        }
        if (m.finished) {
          clearInterval(timer);
          resolveRun('finished');
        }
      });
      w.on('error', (err) => {
        if (!ready) {
          // not a finding: the harness itself could not start
          console.error(`the fuzz worker could not start: ${err.stack ?? err.message}`);
          process.exit(2);
        }
        findings.push({ kind: 'byte', outcome: 'crashed', index: lastIndex + 1, note: `the worker died: ${err.stack ?? err.message}` });
        clearInterval(timer);
        resolveRun('died');
      });
    });
    await w.terminate();
    if (outcome === 'finished' || outcome === 'deadline') return;
    // The case after the last reported one took the worker down or never finished: count it, go on after it.
    // (Progress is reported every half second, so cases between are counted again: a few, for a crash only.)
    if (outcome === 'hang')
      findings.push({ kind: 'byte', outcome: 'crashed', index: lastIndex + 1, note: `no progress for ${HANG_MS / 1000} s` });
    totals.byte.crashed++;
    next = lastIndex + 2;
  }
}

async function main(): Promise<void> {
  const from = values.replay ? Number(values.replay) : 0;
  console.log(
    `fuzzing with seed ${seed}: ${values.deltas ? `${total} deltas` : values.replay ? `case ${from}` : `${values.seconds ?? 60} s`} on ${workers} worker(s)${values.requests ? ', plus crafted requests to a real agent' : ''}; findings in ${values.findings}\n`,
  );
  const ticker = setInterval(() => console.log(`${table()}\n`), 30_000);
  const requests = values.requests ? new RequestFuzzer(testAddress(51, 200), seed) : undefined;
  let deltasDone = false;
  const requestRun = requests?.run(() => deltasDone || Date.now() >= deadline);
  // Ctrl-C or TERM: the figures so far, and the agent stopped.
  const stop = async () => {
    clearInterval(ticker);
    console.log(`\nstopped\n${table()}`);
    await requests?.stop();
    process.exit(130);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const per = Math.ceil(total === Number.MAX_SAFE_INTEGER ? 1e15 : total / workers);
  await Promise.all(Array.from({ length: workers }, (_, k) => runRange(from + k * per, Math.min(from + total, from + (k + 1) * per))));
  deltasDone = true;
  await requestRun;
  await requests?.stop();
  clearInterval(ticker);
  console.log(`\n${table()}`);
  if (requests) {
    const c = requests.counts;
    console.log(`\nrequests: tried ${c.tried}, rejected ${c.rejected}, accepted ${c.accepted}, wrong ${c.wrong}, crashed ${c.crashed}`);
    for (const f of c.findings.slice(0, 20)) console.log(`  ${f}`);
  }
  if (findings.length) {
    console.log(`\n${findings.length} finding(s):`);
    for (const f of findings.slice(0, 20)) console.log(`  ${f.kind} case ${f.index} ${f.outcome}: ${(f.note ?? '').split('\n')[0]}`);
  }
  process.exitCode = findings.length > 0 || (requests && requests.counts.wrong + requests.counts.crashed > 0) ? 1 : 0;
}

void main();
