// The console follower (simulator/board/bootWatch.ts): whole lines as the board's console log grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFollower } from '../../../simulator/board/bootWatch.js';

test('the console follower hands back whole lines as the log grows, and starts over when it is replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'follow-'));
  const file = join(dir, 'console.log');
  try {
    const f = new LogFollower(file);
    assert.deepEqual(f.poll(), []);
    writeFileSync(file, 'edgepush-phase: init 1.2\r\nedgepush-ph');
    assert.deepEqual(f.poll(), ['edgepush-phase: init 1.2']);
    appendFileSync(file, 'ase: engine 9.9\n');
    assert.deepEqual(f.poll(), ['edgepush-phase: engine 9.9']);
    writeFileSync(file, 'new boot\n');
    assert.deepEqual(f.poll(), ['new boot']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
