// Compose's unit strings, read the way Docker and compose-go read them: byte sizes (`512m`, `1.5g`, `64MB`,
// a bare number of bytes) and Go durations (`1m30s`, `500ms`, `10s`). Shared by project loading (which checks
// them) and the device (which turns them into Docker's numbers).

const SIZE = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?$/i;
const POW: Record<string, number> = { '': 0, b: 0, k: 1, m: 2, g: 3, t: 4 };

/** Bytes, or undefined when the value is not a size. */
export function parseBytes(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
  const m = SIZE.exec(v.trim());
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * 1024 ** POW[m[2]!.toLowerCase()]!);
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;

/** Nanoseconds, or undefined when the value is not a duration. A bare number counts as seconds. */
export function parseDurationNs(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1e9) : undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1e9);
  if (s === '' || s === '0') return s === '0' ? 0 : undefined;
  PART.lastIndex = 0;
  let total = 0;
  let at = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    at = PART.lastIndex;
  }
  return at === s.length ? Math.round(total) : undefined;
}
