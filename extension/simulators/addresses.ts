// Loopback addresses for simulated devices: the next one after the configured first address that no known
// device uses. Pure.
import { isLoopback as isLoopbackAddress } from '../../simulator/shared/loopback.js';

export function parseIPv4(a: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p >= 0 && p <= 255) ? parts : undefined;
}

/** An IPv4 loopback address (simulated devices and boards take one). */
export function isLoopback(a: string): boolean {
  return parseIPv4(a) !== undefined && isLoopbackAddress(a.trim());
}

/** Candidates from `first` upwards within its /24, skipping .0 and .255. */
export function* candidateAddresses(first: string): Generator<string> {
  const p = parseIPv4(first);
  if (!p) return;
  for (let last = Math.max(1, p[3]!); last <= 254; last++) yield `${p[0]}.${p[1]}.${p[2]}.${last}`;
}

export function nextFreeAddress(first: string, used: ReadonlySet<string>): string | undefined {
  for (const a of candidateAddresses(first)) if (!used.has(a)) return a;
  return undefined;
}
