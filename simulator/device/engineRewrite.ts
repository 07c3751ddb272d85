// Pure rewrites the engine endpoint applies to keep a device's objects in its own scope (see engineProxy.ts).
import { DEVICE_LABEL, isScopedName, type DeviceScope } from './scope.js';
import { invalidInput } from '../shared/errors.js';
import { splitTag } from '../shared/imageRef.js';

export interface Rewritten {
  path: string;
  kind: 'build' | 'create' | 'imageList' | 'other';
  /** The request can add or remove images the target state refers to. */
  imagesChange: boolean;
  /** Image names a build asked for (as the client named them). */
  tags: string[];
}

function addLabelFilter(raw: string | null, scope: DeviceScope): string {
  let filters: Record<string, unknown> = {};
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) filters = parsed as Record<string, unknown>;
  } catch {
    // an unparsable filter is the engine's to refuse; ours still applies
  }
  const label = filters.label;
  if (Array.isArray(label)) filters.label = [...label, scope.filter];
  else if (label && typeof label === 'object') filters.label = { ...label, [scope.filter]: true };
  else filters.label = [scope.filter];
  return JSON.stringify(filters);
}

/** Throws `invalid-input` for a URL no parser accepts or a malformed percent-escape in an image name. */
export function rewriteRequest(method: string, rawUrl: string, scope: DeviceScope): Rewritten {
  let url: URL;
  try {
    url = new URL(rawUrl, 'http://engine');
  } catch {
    throw invalidInput(`malformed request URL '${rawUrl.slice(0, 200)}'`);
  }
  const m = /^(\/v\d+(?:\.\d+)?)?(\/.*)$/.exec(url.pathname);
  const version = m?.[1] ?? '';
  let route = m?.[2] ?? url.pathname;
  const q = url.searchParams;
  let kind: Rewritten['kind'] = 'other';
  let imagesChange = false;
  let requested: string[] = [];

  if (method === 'POST' && route === '/build') {
    kind = 'build';
    imagesChange = true;
    const tags = q.getAll('t');
    requested = tags;
    q.delete('t');
    for (const t of tags) q.append('t', scope.scopedImage(t));
    let labels: Record<string, string>;
    try {
      labels = JSON.parse(q.get('labels') ?? '{}') as Record<string, string>;
    } catch {
      labels = {};
    }
    q.set('labels', JSON.stringify({ ...labels, [DEVICE_LABEL]: scope.id }));
  } else if (method === 'GET' && route === '/images/json') {
    kind = 'imageList';
  } else if (method === 'GET' && (route === '/containers/json' || route === '/volumes')) {
    q.set('filters', addLabelFilter(q.get('filters'), scope));
  } else if (method === 'POST' && (route === '/containers/create' || route === '/volumes/create' || route === '/networks/create')) {
    kind = 'create';
  } else if (method === 'POST' && (route === '/images/load' || route === '/images/create')) {
    imagesChange = true;
  } else if (route.startsWith('/images/')) {
    const tagM = /^\/images\/(.+)\/tag$/.exec(route);
    const repo = q.get('repo');
    if (method === 'POST' && tagM && repo && isScopedName(repo)) {
      const [r, t] = splitTag(scope.scopedImage(`${repo}:${q.get('tag') || 'latest'}`));
      q.set('repo', r);
      q.set('tag', t);
    }
    const nameM = /^\/images\/(.+?)(\/(?:json|tag|history|push|get))?$/.exec(route);
    if (nameM) {
      let name: string;
      try {
        name = decodeURIComponent(nameM[1]!);
      } catch {
        throw invalidInput(`malformed percent-escape in image name '${nameM[1]!.slice(0, 200)}'`);
      }
      if (isScopedName(name)) route = `/images/${scope.scopedImage(name)}${nameM[2] ?? ''}`;
    }
    imagesChange = method === 'POST' || method === 'DELETE';
  }
  const search = q.toString();
  return { path: `${version}${route}${search ? `?${search}` : ''}`, kind, imagesChange, tags: requested };
}

/** Adds the device label (and scopes a `local_*` Image) in a create body; unparsable bodies pass unchanged. */
export function labelCreateBody(buf: Buffer, scope: DeviceScope): Buffer {
  try {
    const body = JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
    const labels = (body.Labels && typeof body.Labels === 'object' ? body.Labels : {}) as Record<string, string>;
    body.Labels = { ...labels, [DEVICE_LABEL]: scope.id };
    if (typeof body.Image === 'string') body.Image = scope.scopedImage(body.Image);
    return Buffer.from(JSON.stringify(body));
  } catch {
    return buf;
  }
}

interface ImageRow {
  RepoTags?: string[] | null;
  Labels?: Record<string, string> | null;
  [k: string]: unknown;
}

/** Hides other devices' images and shows this device's scoped tags under their plain `local_*` names. */
export function rewriteImageList(rows: unknown, scope: DeviceScope): unknown {
  if (!Array.isArray(rows)) return rows;
  const out: ImageRow[] = [];
  for (const row of rows as ImageRow[]) {
    const owner = row.Labels?.[DEVICE_LABEL];
    if (owner !== undefined && owner !== scope.id) continue;
    const tags = row.RepoTags ?? [];
    const others = tags.filter((t) => t.startsWith('edgepush-dev/') && !scope.isScopedLocal(t));
    if (tags.length > 0 && others.length === tags.length) continue;
    out.push({ ...row, RepoTags: tags.filter((t) => !others.includes(t)).map((t) => scope.unscopedImage(t) ?? t) });
  }
  return out;
}
