// Loopback addresses, as every part of EdgePush tells them: `localhost`, `::1` and IPv4 127.0.0.0/8 (where simulated
// devices listen by default, and which registries are spoken to in plain HTTP).

export function isLoopback(address: string): boolean {
  if (address === 'localhost' || address === '::1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}
