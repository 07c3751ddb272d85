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

export async function clientFor(address: string, timeoutMs = CALL_TIMEOUT_MS): Promise<DeviceClient> {
  const [{ DeviceClient: Client }, access] = await Promise.all([loadWorkSoon(), accessFor(address)]);
  return new Client(address, { timeoutMs, ...access });
}
