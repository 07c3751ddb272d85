// The content the power-cut test commits: generation N is a deterministic blob of 64 KB to 1 MB.
import { randomBytes } from '../../unit/engine/fixtures.js';

export function generation(n: number): Buffer {
  return randomBytes(65_536 + ((n * 7919) % 960_000), 1000 + n);
}
