// Colour on a terminal, as command-line tools agree (no-color.org): on when the stream is a TTY, off when
// NO_COLOR is set to anything non-empty or TERM is `dumb`; FORCE_COLOR (non-empty, not `0`) turns it on anywhere.

export interface Paint {
  enabled: boolean;
  /** The service name in its own colour (stable per name). */
  service(name: string): string;
  dim(text: string): string;
  red(text: string): string;
}

export function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

// Foreground colours that read on dark and light themes alike (no blue on black, no yellow on white).
const SERVICE_COLORS = [36, 35, 32, 33, 94, 95, 96, 92];

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}

const sgr = (code: number, text: string) => `\x1b[${code}m${text}\x1b[0m`;

export function paintFor(enabled: boolean): Paint {
  if (!enabled) return { enabled, service: (n) => n, dim: (t) => t, red: (t) => t };
  return {
    enabled,
    service: (n) => (n === 'system' ? sgr(2, n) : sgr(SERVICE_COLORS[hash(n) % SERVICE_COLORS.length]!, n)),
    dim: (t) => sgr(2, t),
    red: (t) => sgr(31, t),
  };
}
