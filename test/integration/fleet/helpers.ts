// Fleet tests: `edgepush fleet` as a user runs it (dist/cli.js), with its state under a temporary directory,
// projects written to temporary folders (busybox + a 300 KB app folder whose script is the one-line change).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payload } from '../registry/helpers.js';

export const stateDir = mkdtempSync(join(tmpdir(), 'ep-fleet-it-'));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking the test process (devices and the registry are other processes). */
export function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/cli.js', ...args], { env: { ...process.env, XDG_STATE_HOME: stateDir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}

/** A project folder: one service whose script prints `line` (and exits with `exitCode` at start if given). */
export function project(line: string, exitCode?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ep-fleet-project-'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'Dockerfile'), 'FROM edgepush-base/busybox:latest\nCOPY app /app\nCMD ["sh", "/app/app.sh"]\n');
  writeFileSync(join(dir, 'app', 'payload.bin'), payload(11));
  writeFileSync(
    join(dir, 'app', 'app.sh'),
    exitCode !== undefined ? `echo "${line}"\nexit ${exitCode}\n` : `echo "${line}"\ntrap "exit 0" TERM\nwhile true; do sleep 1; done\n`,
  );
  return dir;
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });
