// What the board test asks the device inside the board, over the forwarded supervisor port: plain fetch with a
// time limit on every call (a hung guest must fail the test, not hang it).
import * as z from 'zod';

const statusSchema = z.object({
  appState: z.string().optional(),
  release: z.string().nullable().optional(),
  containers: z.array(z.object({ serviceName: z.string(), status: z.string() }).passthrough()).default([]),
});
export type DeviceStatus = z.infer<typeof statusSchema>;

const targetSchema = z.object({
  state: z.object({
    local: z.object({
      name: z.string().optional(),
      config: z.record(z.string(), z.unknown()).optional(),
      apps: z.record(z.string(), z.unknown()).default({}),
    }),
  }),
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function getJson(url: string, timeoutMs = 10_000): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function deviceStatus(address: string): Promise<DeviceStatus> {
  return statusSchema.parse(await getJson(`http://${address}:48484/v2/state/status`));
}

export async function targetCommit(address: string): Promise<string | undefined> {
  const t = targetSchema.parse(await getJson(`http://${address}:48484/v2/local/target-state`));
  const app = Object.values(t.state.local.apps)[0] as { commit?: string } | undefined;
  return app?.commit;
}

/** Polls /v2/state/status until the device reports `applied` with a running service; returns that status. */
export async function waitApplied(address: string, timeoutMs: number, release?: (r: string) => boolean): Promise<DeviceStatus> {
  const until = Date.now() + timeoutMs;
  let last: DeviceStatus | string = 'no answer';
  while (Date.now() < until) {
    try {
      const s = await deviceStatus(address);
      last = s;
      const running = s.containers.some((c) => /running/i.test(c.status));
      if (s.appState === 'applied' && running && (!release || release(s.release ?? ''))) return s;
    } catch (err) {
      last = String(err);
    }
    await sleep(1000);
  }
  throw new Error(`device at ${address} did not converge within ${timeoutMs / 1000} s; last status: ${JSON.stringify(last)}`);
}

const logLine = z.object({ message: z.string(), serviceName: z.string().optional(), isSystem: z.boolean().optional() }).passthrough();

/** Follows /v2/local/logs until a service line matching `want` arrives. */
export async function waitServiceLog(address: string, want: RegExp, timeoutMs: number): Promise<string> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(`http://${address}:48484/v2/local/logs`, { signal: controller.signal });
    if (!res.body) throw new Error('no log stream');
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const raw = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!raw) continue;
        const parsed = logLine.safeParse(JSON.parse(raw));
        if (parsed.success && parsed.data.serviceName && want.test(parsed.data.message)) return parsed.data.message;
      }
    }
    throw new Error('log stream ended');
  } catch (err) {
    if (controller.signal.aborted) throw new Error(`no service log line matching ${want} within ${timeoutMs / 1000} s`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** The output a service's container printed so far, read through the board's forwarded engine port. */
export async function serviceOutput(address: string, serviceName: string): Promise<string> {
  const idAnswer = z
    .object({ containerId: z.string() })
    .parse(await getJson(`http://${address}:48484/v2/containerId?serviceName=${encodeURIComponent(serviceName)}`));
  const res = await fetch(`http://${address}:2375/containers/${idAnswer.containerId}/logs?stdout=1&stderr=1`, {
    signal: AbortSignal.timeout(20_000),
  });
  if (!res.ok) throw new Error(`engine logs: ${res.status}`);
  // multiplexed stream (no TTY): 8-byte frame headers around the text; the text itself is enough here
  return Buffer.from(await res.arrayBuffer()).toString('latin1');
}
