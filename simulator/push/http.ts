// Small HTTP helpers over Node's fetch: every call has a timeout, honours the caller's AbortSignal, and maps
// failures to EdgePush error kinds (device unreachable → unavailable, abort → cancelled).
import type * as z from 'zod';
import { cancelled, EdgePushError, messageOf, unavailable } from '../shared/errors.js';

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export function combinedSignal(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** Throws `cancelled` when the caller aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

export function describeFetchError(url: string, err: unknown, signal: AbortSignal | undefined): EdgePushError {
  if (err instanceof EdgePushError) return err;
  if (signal?.aborted) return cancelled();
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return unavailable(`${url}: no answer in time`, err);
  const code = e?.cause?.code ?? e?.cause?.message ?? messageOf(err);
  return unavailable(`${url}: ${code}`, err);
}

export interface HttpResult {
  status: number;
  text: string;
}

export async function httpRequest(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> },
  opts: CallOptions = {},
): Promise<HttpResult> {
  throwIfAborted(opts.signal);
  try {
    const res = await fetch(url, { ...init, signal: combinedSignal(opts.signal, opts.timeoutMs) });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    throw describeFetchError(url, err, opts.signal);
  }
}

export function parseJson<T>(url: string, text: string, schema: z.ZodType<T>): T {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw unavailable(`${url}: the answer is not JSON: ${text.slice(0, 120)}`);
  }
  const r = schema.safeParse(data);
  if (!r.success) throw unavailable(`${url}: unexpected answer: ${r.error.issues[0]?.message ?? 'bad shape'} in ${text.slice(0, 160)}`);
  return r.data;
}
