// Runs a host tool with an argv array (never a shell string), optionally streaming its output line by line,
// and fails with the tool's last output lines when it exits non-zero or overruns its time limit.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { unavailable } from '../shared/errors.js';

export interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export function runTool(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let tail: string[] = [];
    let partial = '';
    const onData = (chunk: Buffer, keep: boolean) => {
      const text = chunk.toString('utf8');
      if (keep) out += text;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        opts.onLine?.(l);
        tail.push(l);
      }
      if (tail.length > 40) tail = tail.slice(-20);
    };
    child.stdout.on('data', (c: Buffer) => onData(c, true));
    child.stderr.on('data', (c: Buffer) => onData(c, false));
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(unavailable(`cannot run ${cmd}: ${err.message}`, err));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve(out);
      else {
        const why = signal ? `was stopped (${signal}${opts.timeoutMs ? `, limit ${opts.timeoutMs / 1000} s` : ''})` : `exited with ${code}`;
        reject(unavailable(`${cmd} ${why}:\n${tail.slice(-12).join('\n')}`));
      }
    });
  });
}

/** The full path of a program on PATH, or undefined. */
export function findTool(cmd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
