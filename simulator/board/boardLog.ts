// A board's serial console log: read it whole, or follow it as it grows (for `board logs --follow` and the
// editor's log view). Stops following when the signal aborts.
import { readFileSync } from 'node:fs';
import { LogFollower } from './bootWatch.js';

export function readBoardLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export async function followBoardLog(file: string, onText: (text: string) => void, signal: AbortSignal): Promise<void> {
  const follower = new LogFollower(file);
  while (!signal.aborted) {
    const lines = follower.poll();
    if (lines.length) onText(`${lines.join('\n')}\n`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
