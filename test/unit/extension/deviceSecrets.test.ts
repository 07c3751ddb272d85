// API keys in SecretStorage and engine ports in global state become the DeviceAccess every client gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceSecrets } from '../../../extension/devices/deviceSecrets.js';

function fakes() {
  const secrets = new Map<string, string>();
  const state = new Map<string, unknown>();
  return {
    secrets: {
      get: async (k: string) => secrets.get(k),
      store: async (k: string, v: string) => void secrets.set(k, v),
      delete: async (k: string) => void secrets.delete(k),
      onDidChange: () => ({ dispose: () => undefined }),
      keys: async () => [...secrets.keys()],
    },
    state: {
      get: <T>(k: string, d: T) => (state.has(k) ? (state.get(k) as T) : d),
      update: async (k: string, v: unknown) => void state.set(k, v),
      keys: () => [...state.keys()],
    },
    stored: secrets,
  };
}

test('a key and an engine port per address; removing them leaves plain access', async () => {
  const f = fakes();
  const s = new DeviceSecrets(f.secrets as never, f.state as never);
  assert.deepEqual(await s.access('10.0.0.2'), {});
  await s.setApiKey('localhost:48485', 'sekret');
  await s.setEnginePort('localhost:48485', 12375);
  assert.deepEqual(await s.access('localhost:48485'), { apiKey: 'sekret', enginePort: 12375 });
  assert.equal(f.stored.get('edgepush.apiKey:localhost:48485'), 'sekret', 'the key is in SecretStorage');
  await s.setApiKey('localhost:48485', undefined);
  await s.setEnginePort('localhost:48485', 2375);
  assert.deepEqual(await s.access('localhost:48485'), {});
});
