// How much of a delta the device has received, from its own `transfer` events (deltaReceive.ts on the device
// emits them every 250 ms while a PUT runs): the download's progress as the device sees it. The sender's count
// runs ahead by whatever the sockets buffer: on loopback a 2 MB delta leaves this machine within a second of a
// 16 s download over a 1 Mbit/s link. A device without an event stream (older agents) gives no receipt; the
// sender then counts what it wrote.
import type { DeviceClient } from '../deviceClient.js';

export interface DeltaReceipt {
  /** True while the device's events are followed: progress comes from them, not from the bytes written. */
  readonly following: boolean;
  stop(): void;
}

/** Resolves once the device's event stream is open (following) or known to be missing (not following). */
export async function followDeltaReceipt(
  client: DeviceClient,
  id: string,
  onReceived: (bytes: number) => void,
  signal?: AbortSignal,
  connectTimeoutMs = 3000,
): Promise<DeltaReceipt> {
  const stopper = new AbortController();
  const stopSignal = signal ? AbortSignal.any([signal, stopper.signal]) : stopper.signal;
  let opened!: () => void;
  const open = new Promise<boolean>((resolve) => (opened = () => resolve(true)));
  let over = false;
  const ended = client
    .subscribeEvents({
      signal: stopSignal,
      connectTimeoutMs,
      onOpen: opened,
      onEvent: (e) => {
        if (e.type === 'transfer' && e.kind === 'delta' && e.id === id) onReceived(e.bytes);
      },
    })
    .catch(() => false)
    .then(() => {
      over = true; // the stream ended: the sender's count takes over
      return false;
    });
  const opensFirst = await Promise.race([open, ended]);
  return {
    get following() {
      return opensFirst && !over;
    },
    stop: () => stopper.abort(),
  };
}
