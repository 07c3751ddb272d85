// Loopback addresses for one test run. Devices listen on fixed ports (48484, 2375), so tests tell them apart by
// address; two runs on one machine (two clones, a CI job beside a developer's run) must never share one. A run
// claims a whole 127.B.0.0/16 block with a lock file holding the claiming process's pid; a block whose holder is
// gone is taken over. Tests then use testAddress(area, host) = 127.B.area.host, and name the things they create
// on the shared Docker engine with runTag() so that clean-ups never touch another run's containers.
//
// scripts/test.mjs claims the block once for the whole run (`--claim PID`, below) and passes it down in
// EDGEPUSH_TEST_NET; a test file run on its own claims one for itself.
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../simulator/shared/processAlive.js';

const LOCK_DIR = join(tmpdir(), 'edgepush-test-nets');
const FIRST = 100;
const LAST = 254;

function tryLock(block: number, owner: number): boolean {
  const file = join(LOCK_DIR, String(block));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(owner));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) return false;
      try {
        unlinkSync(file); // a run that ended without releasing its block
      } catch {
        /* another run took it over first */
      }
    }
  }
  return false;
}

/** Claims a free 127.B block for `owner` (a pid) and returns '127.B'. */
export function claimTestNet(owner = process.pid): string {
  mkdirSync(LOCK_DIR, { recursive: true });
  const start = FIRST + Math.floor(Math.random() * (LAST - FIRST + 1));
  for (let i = 0; i <= LAST - FIRST; i++) {
    const block = FIRST + ((start - FIRST + i) % (LAST - FIRST + 1));
    if (tryLock(block, owner)) return `127.${block}`;
  }
  throw new Error(`no free loopback block for tests: every 127.${FIRST}-${LAST}.0.0/16 is held (see ${LOCK_DIR})`);
}

/** Gives a block back (the run is over). */
export function releaseTestNet(net: string): void {
  try {
    unlinkSync(join(LOCK_DIR, net.split('.')[1] ?? ''));
  } catch {
    /* already gone */
  }
}

let claimed: string | undefined;

/** This run's block, '127.B'. */
export function testNet(): string {
  const fromEnv = process.env.EDGEPUSH_TEST_NET;
  if (fromEnv && /^127\.\d{1,3}$/.test(fromEnv)) return fromEnv;
  if (!claimed) {
    claimed = claimTestNet();
    process.env.EDGEPUSH_TEST_NET = claimed; // children spawned by this test share it
    const net = claimed;
    process.on('exit', () => releaseTestNet(net));
  }
  return claimed;
}

/** 127.B.area.host: each test area keeps its own `area` so that files never share an address. */
export function testAddress(area: number, host: number): string {
  return `${testNet()}.${area}.${host}`;
}

/** A short tag unique to this run, for names on the shared Docker engine ('n' + B). */
export function runTag(): string {
  return `n${testNet().split('.')[1]}`;
}

// `node --import tsx test/testNet.ts --claim PID` prints a block claimed for PID (scripts/test.mjs).
if (process.argv[2] === '--claim' && process.argv[1]?.endsWith('testNet.ts')) {
  process.stdout.write(claimTestNet(Number(process.argv[3])));
}
