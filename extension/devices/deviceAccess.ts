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

/** One client per device (one engine connection), made again when its access (API key, engine port) changes. */
const clients = new Map<string, { key: string; client: DeviceClient }>();

/** The device's client; with a longer timeout than the probes' 3 s, the same client's `withTimeout` view. */
export async function clientFor(address: string, timeoutMs = CALL_TIMEOUT_MS): Promise<DeviceClient> {
  const [{ DeviceClient: Client }, access] = await Promise.all([loadWorkSoon(), accessFor(address)]);
  const key = JSON.stringify(access);
  let known = clients.get(address);
  if (known?.key !== key) {
    known = { key, client: new Client(address, { timeoutMs: CALL_TIMEOUT_MS, ...access }) };
    clients.set(address, known);
  }
  return known.client.withTimeout(timeoutMs);
}

/** Forgets a removed device's client. */
export function forgetClients(address: string): void {
  clients.delete(address);
}
