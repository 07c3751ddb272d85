// A progress line for long CLI work, always on stderr so that stdout stays clean for --json output.
// On a terminal the line is rewritten in place; elsewhere (CI, pipes) a line is printed at most once a second
// and whenever the phase changes.

import { formatBytes } from './units.js';

export interface Progress {
  update(phase: string, done?: number, total?: number): void;
  done(message?: string): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const tty = Boolean(stream.isTTY);
  let lastPhase = '';
  let lastAt = 0;
  let shown = false;
  return {
    update(phase, done, total) {
      if (quiet) return;
      const pct = total && total > 0 && done !== undefined ? ` ${Math.min(100, Math.floor((done / total) * 100))}%` : '';
      const amount = done !== undefined ? ` ${formatBytes(done)}${total ? ` / ${formatBytes(total)}` : ''}` : '';
      const text = `${phase}${pct}${amount}`;
      const now = Date.now();
      if (tty) {
        stream.write(`\r\x1b[2K${text}`);
        shown = true;
      } else if (phase !== lastPhase || now - lastAt >= 1000) {
        stream.write(`${text}\n`);
        lastAt = now;
      }
      lastPhase = phase;
    },
    done(message) {
      if (quiet) return;
      if (tty && shown) stream.write('\r\x1b[2K');
      if (message) stream.write(`${message}\n`);
      shown = false;
    },
  };
}
