// The device's API key, checked the same way on both ports: `?apikey=KEY`, `Authorization: Bearer KEY` or
// `Authorization: ApiKey KEY` (what the balena supervisor accepts). Compared in constant time.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (s: string) => createHash('sha256').update(s).digest();

function same(given: string, key: string): boolean {
  return timingSafeEqual(digest(given), digest(key));
}

export function carriesKey(req: IncomingMessage, url: URL | undefined, key: string): boolean {
  const q = url?.searchParams.get('apikey');
  if (q !== null && q !== undefined && same(q, key)) return true;
  const m = /^(?:Bearer|ApiKey)\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return m !== null && same(m[1]!.trim(), key);
}
