// Child process for deltaFromFile.test.ts: ships an image of this machine's engine to a device with
// shipToDevice, as a push does, and prints one JSON line: what was shipped (or that it was cancelled) and the
// high-water of this thread's ArrayBuffer memory (external memory: where Buffers live) while the delta was made
// and while it was sent (from the first progress of the send on).
// Arguments: device address, image id, tag, `ship` or `cancel` (abort once the device has some of the delta).
// The parent sets TMPDIR, where the delta is spooled.
import Docker from 'dockerode';
import { DeviceClient } from '../../../simulator/push/deviceClient.js';
import { shipToDevice } from '../../../simulator/push/build/shipToDevice.js';
import { EdgePushError } from '../../../simulator/shared/errors.js';

async function main(): Promise<void> {
  const [address, imageId, tag, mode] = process.argv.slice(2) as [string, string, string, 'ship' | 'cancel'];
  const ac = new AbortController();
  // Sampled on a timer and at every event: a delta held whole would be held for the whole send, seconds.
  const baseline = process.memoryUsage().arrayBuffers;
  let peak = baseline;
  let sending = false;
  let peakMaking = baseline; // while the delta is made (spooling the export; the worker)
  const sample = () => {
    const now = process.memoryUsage().arrayBuffers;
    if (sending) peak = Math.max(peak, now);
    else peakMaking = Math.max(peakMaking, now);
  };
  const timer = setInterval(sample, 5);
  let shippingBytes = 0;
  const out: Record<string, unknown> = {};
  try {
    const shipped = await shipToDevice({
      client: new DeviceClient(address),
      local: new Docker(),
      imageId,
      basisImageId: undefined,
      tag,
      service: 'main',
      signal: ac.signal,
      wantFigures: false,
      onEvent: (e) => {
        sample();
        if (e.type === 'service' && e.phase === 'shipping' && (e.bytes ?? 0) > 0) {
          sending = true;
          shippingBytes = Math.max(shippingBytes, e.bytes ?? 0);
          if (mode === 'cancel') ac.abort();
        }
      },
    });
    Object.assign(out, { method: shipped.method, sentBytes: shipped.sentBytes, deltaBytes: shipped.figures.deltaBytes });
  } catch (err) {
    if (!EdgePushError.is(err, 'cancelled')) throw err;
    out.cancelled = true;
  } finally {
    clearInterval(timer);
  }
  sample();
  console.log(JSON.stringify({ ...out, shippingBytes, baseline, peak, peakMaking }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
