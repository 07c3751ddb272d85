// Authentication as registries ask for it (distribution's token spec): a `401` with
// `WWW-Authenticate: Bearer realm=...,service=...,scope=...` is answered by fetching a token from the realm
// (anonymously, or with the user and password from the registry address), then retrying with
// `Authorization: Bearer`; a `Basic` challenge is retried with the credentials. A registry without auth (the
// one `edgepush registry start` runs) never asks.
import { unavailable } from '../shared/errors.js';
import type { RegistryAddress } from './reference.js';
import { httpRequest, type HttpResponse } from './httpRequest.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="https://auth",service="registry",scope="repository:a:pull"`. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

export function basicHeader(a: RegistryAddress): string | undefined {
  if (a.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${a.username}:${a.password ?? ''}`).toString('base64')}`;
}

/** The Authorization header that answers `challenge`, or undefined when there is nothing to try. */
export async function answerChallenge(a: RegistryAddress, challenge: Challenge, signal?: AbortSignal): Promise<string | undefined> {
  if (challenge.scheme === 'basic') return basicHeader(a);
  if (challenge.scheme !== 'bearer' || !challenge.params.realm) return undefined;
  const url = new URL(challenge.params.realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  if (challenge.params.scope) url.searchParams.set('scope', challenge.params.scope);
  const basic = basicHeader(a);
  let res: HttpResponse;
  try {
    res = await httpRequest(url.href, { method: 'GET', headers: basic ? { Authorization: basic } : {}, signal });
  } catch (err) {
    throw unavailable(`registry token service ${url.host} does not answer: ${(err as Error).message}`, err);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw unavailable(
      `registry token service refused (HTTP ${res.status})${basic ? '' : ': the registry needs credentials (http://USER:PASS@HOST)'}`,
    );
  }
  const body = JSON.parse(await res.text()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  return token ? `Bearer ${token}` : undefined;
}
