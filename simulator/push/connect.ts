// The first calls of a push, as `balena push` makes them: /ping, /v2/version, /v2/local/device-info, with errors
// that say what is wrong (nothing answers, not in local mode, supervisor too old).
import { messageOf, unavailable } from '../shared/errors.js';
import { DeviceClient } from './deviceClient.js';
import type { DeviceInfo } from './supervisorSchemas.js';
import type { DeviceAccess } from './types.js';

export interface ConnectedDevice {
  client: DeviceClient;
  supervisorVersion: string;
  info: DeviceInfo;
}

/** Minimum supervisor version for local-mode pushes (balena CLI's check). */
export const MIN_SUPERVISOR = [7, 21, 4] as const;

export function versionAtLeast(v: string, min: readonly number[]): boolean {
  const parts = v
    .replace(/^v/, '')
    .split(/[.+-]/)
    .map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < min.length; i++) {
    const p = Number.isFinite(parts[i]) ? parts[i]! : 0;
    if (p !== min[i]) return p > min[i]!;
  }
  return true;
}

export async function connectDevice(
  device: string,
  signal?: AbortSignal,
  timeoutMs = 10_000,
  access: DeviceAccess = {},
): Promise<ConnectedDevice> {
  const client = new DeviceClient(device, { timeoutMs, ...access });
  try {
    await client.ping({ signal });
  } catch (err) {
    const why = messageOf(err);
    throw unavailable(`device ${device} does not answer on port 48484 (is it on, reachable, and in local mode?): ${why}`, err);
  }
  // /ping is open on a balena supervisor; the first call that needs the key is /v2/version.
  const supervisorVersion = await client.version({ signal });
  if (!versionAtLeast(supervisorVersion, MIN_SUPERVISOR)) {
    throw unavailable(`device ${device} runs supervisor ${supervisorVersion}; local-mode push needs ${MIN_SUPERVISOR.join('.')} or newer`);
  }
  const info = await client.deviceInfo({ signal });
  return { client, supervisorVersion, info };
}
