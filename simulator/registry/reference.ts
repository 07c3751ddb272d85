// Image references and registry addresses, as Docker and the distribution spec spell them:
// `HOST[:PORT]/PATH[:TAG][@sha256:HEX]`. A name counts as a registry reference when its first component
// names a host (has a dot or a port, or is `localhost`): `edgepush-base/busybox` is an engine-local name,
// `127.0.0.20:5000/fleet/app:v2` is pulled from 127.0.0.20:5000.
import { invalidInput } from '../shared/errors.js';
import { isLoopback } from '../shared/loopback.js';

export interface ImageRef {
  /** host[:port], lower case. */
  registry: string;
  /** Repository path inside the registry (`fleet/app`). */
  repository: string;
  tag?: string;
  digest?: string;
}

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagRe = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const digestRe = /^sha256:[0-9a-f]{64}$/;

function isHostComponent(c: string): boolean {
  return c === 'localhost' || c.includes('.') || c.includes(':') || c.startsWith('[');
}

/** True when `name` names an image in a registry (its first component is a host). */
export function isRegistryRef(name: string): boolean {
  const slash = name.indexOf('/');
  return slash > 0 && isHostComponent(name.slice(0, slash));
}

export function parseImageRef(ref: string): ImageRef {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = rest.indexOf('/');
  if (slash <= 0 || !isHostComponent(rest.slice(0, slash)))
    throw invalidInput(`'${ref}' is not a registry reference (expected HOST[:PORT]/REPOSITORY[:TAG])`);
  const registry = rest.slice(0, slash).toLowerCase();
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  if (!path.split('/').every((c) => pathComponent.test(c)))
    throw invalidInput(`'${ref}': invalid repository name '${path}' (lower case letters, digits and . _ - /)`);
  if (tag !== undefined && !tagRe.test(tag)) throw invalidInput(`'${ref}': invalid tag '${tag}'`);
  if (digest !== undefined && !digestRe.test(digest)) throw invalidInput(`'${ref}': invalid digest '${digest}' (expected sha256:<64 hex>)`);
  return { registry, repository: path, tag: tag ?? (digest ? undefined : 'latest'), digest };
}

export function formatImageRef(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The tag or digest a manifest request names. */
export function manifestReference(r: ImageRef): string {
  return r.digest ?? r.tag ?? 'latest';
}

export interface RegistryAddress {
  /** `http://127.0.0.20:5000` (no trailing slash). */
  baseUrl: string;
  /** host[:port] as image references spell it. */
  host: string;
  username?: string;
  password?: string;
}

/** `host`, `host:port` or `[v6]:port` on this machine. */
const isLoopbackHost = (host: string) => isLoopback(host.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''));

/**
 * `--registry URL`: `http://HOST:PORT`, `https://HOST`, or a bare `HOST[:PORT]` (plain HTTP on loopback, as
 * Docker treats 127.0.0.0/8 as an insecure registry; HTTPS elsewhere). `user:pass@` in the URL is used for auth.
 */
export function parseRegistryAddress(input: string): RegistryAddress {
  const withScheme = /^[a-z]+:\/\//i.test(input) ? input : `${isLoopbackHost(input.split('/')[0] ?? '') ? 'http' : 'https'}://${input}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidInput(`invalid registry address '${input}' (expected http://HOST:PORT or HOST:PORT)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidInput(`invalid registry address '${input}': only http and https`);
  if (url.pathname !== '/' && url.pathname !== '') throw invalidInput(`invalid registry address '${input}': no path expected`);
  return {
    baseUrl: `${url.protocol}//${url.host}`,
    host: url.host.toLowerCase(),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

/** The registry a reference names, as an address (scheme chosen as above). */
export function registryOf(ref: ImageRef): RegistryAddress {
  return parseRegistryAddress(ref.registry);
}
