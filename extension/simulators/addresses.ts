// Loopback addresses for simulated devices: the next one after the configured first address that no known
// device uses. Pure.

export function parseIPv4(a: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p >= 0 && p <= 255) ? parts : undefined;
}

export function isLoopback(a: string): boolean {
  return parseIPv4(a)?.[0] === 127;
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
