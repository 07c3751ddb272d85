// The one way UI code reaches a device: simulator/push's DeviceClient from the lazily loaded work bundle (it
// brings the Docker client along), every call with a short default timeout, and the device's API key and engine
// port (from SecretStorage, through the provider activate() sets) on every client.
import type { DeviceClient } from '../../simulator/push/deviceClient.js';
import type { DeviceAccess } from '../../simulator/push/types.js';
import { loadWorkSoon } from '../workLoader.js';

export const CALL_TIMEOUT_MS = 3000;

type AccessProvider = (address: string) => Promise<DeviceAccess>;
let provider: AccessProvider = async () => ({});

/** Where API keys come from (DeviceSecrets in the extension; nothing in unit tests). */
export function setAccessProvider(p: AccessProvider): void {
  provider = p;
}

export function accessFor(address: string): Promise<DeviceAccess> {
  return provider(address).catch(() => ({}));
}

/** One client per device and timeout, made again when the device's access (API key, engine port) changes. */
const clients = new Map<string, { key: string; client: DeviceClient }>();

export async function clientFor(address: string, timeoutMs = CALL_TIMEOUT_MS): Promise<DeviceClient> {
  const [{ DeviceClient: Client }, access] = await Promise.all([loadWorkSoon(), accessFor(address)]);
  const slot = `${address}|${timeoutMs}`;
  const key = JSON.stringify(access);
  const known = clients.get(slot);
  if (known?.key === key) return known.client;
  const client = new Client(address, { timeoutMs, ...access });
  clients.set(slot, { key, client });
  return client;
}

/** Forgets a removed device's clients. */
export function forgetClients(address: string): void {
  for (const slot of [...clients.keys()]) if (slot.startsWith(`${address}|`)) clients.delete(slot);
}
