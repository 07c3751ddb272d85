// The one way UI code reaches a device: simulator/push's DeviceClient from the lazily loaded work bundle (it
// brings the Docker client along), every call with a short default timeout.
import type { DeviceClient } from '../../simulator/push/deviceClient.js';
import { loadWorkSoon } from '../workLoader.js';

export const CALL_TIMEOUT_MS = 3000;

export async function clientFor(address: string, timeoutMs = CALL_TIMEOUT_MS): Promise<DeviceClient> {
  const { DeviceClient: Client } = await loadWorkSoon();
  return new Client(address, { timeoutMs });
}
