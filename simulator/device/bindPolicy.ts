// Where a device may listen: loopback by default. Any other address exposes an unauthenticated engine, so it
// needs either an API key (requests must carry it, as outside local mode) or an explicit --local-mode-open.
import { isIP } from 'node:net';
import { EdgePushError } from '../shared/errors.js';
import { isLoopback } from '../shared/loopback.js';

export function checkBindAllowed(address: string, opts: { apiKey?: string; localModeOpen?: boolean }): void {
  if (address !== 'localhost' && isIP(address) === 0)
    throw new EdgePushError('invalid-input', `--address must be an IP address, got '${address}'`);
  if (isLoopback(address)) return;
  if (opts.apiKey || opts.localModeOpen) return;
  throw new EdgePushError(
    'invalid-input',
    `refusing to listen on non-loopback address ${address} without --api-key KEY or --local-mode-open (its engine port 2375 would be open to the network)`,
  );
}
