// A docker-compose.yml as balena reads it: YAML with anchors, aliases and merge keys (`<<: *common`), `x-*`
// extension fields, `${VAR}` interpolation, then each service checked and normalised (composeService.ts) against
// the keys balena takes, strips or refuses (composeKeys.ts). Errors name the file, the line, the service and the
// key, and say what balena would do; warnings (stripped keys, unset variables) are returned for the caller to show.
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import * as z from 'zod';
import { invalidInput, messageOf } from '../../shared/errors.js';
import { closestKey, isExtension, REFUSED_TOP_LEVEL_KEYS, TOP_LEVEL_KEYS } from './composeKeys.js';
import { interpolate } from './composeInterpolate.js';
import { normalizeService, ServiceProblem, type ComposeService } from './composeService.js';
import { toStringMap } from '../../shared/stringMap.js';

export { type ComposeService } from './composeService.js';

export interface ParsedCompose {
  /** In file order; services whose profiles are not active are left out (as compose does). */
  services: Array<{ name: string; spec: ComposeService }>;
  /** Top-level volumes and networks with their settings (driver_opts, labels, ipam...), passed on to the device. */
  volumes: Record<string, Record<string, unknown>>;
  networks: Record<string, Record<string, unknown>>;
  warnings: string[];
}

export interface ComposeOptions {
  /** Values for `${VAR}`: the push's environment and the project's `.env` (environment first). */
  variables?: Record<string, string | undefined>;
  /** Active profiles (`COMPOSE_PROFILES`). */
  profiles?: string[];
}

const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The line of the deepest node on `path` that the document holds (merged keys live under their anchor). */
function lineOf(doc: Document, lines: LineCounter, path: Array<string | number>): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    const at = node && typeof node === 'object' && 'range' in node ? (node.range as [number, number, number] | undefined)?.[0] : undefined;
    if (at !== undefined) {
      // A key's line is where the key is written: find the pair in the parent map.
      const parent = n > 0 ? doc.getIn(path.slice(0, n - 1), true) : undefined;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[n - 1]);
        const keyAt = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
        if (keyAt !== undefined) return lines.linePos(keyAt).line;
      }
      return lines.linePos(at).line;
    }
  }
  return undefined;
}

const volumeConfig = z
  .looseObject({
    driver: z.string().optional(),
    external: z.unknown().optional(),
    driver_opts: z.record(z.string(), z.unknown()).optional(),
    labels: z.unknown().optional(),
  })
  .nullable();
const networkConfig = z
  .looseObject({
    driver: z.string().optional(),
    external: z.unknown().optional(),
    attachable: z.unknown().optional(),
    enable_ipv6: z.unknown().optional(),
    enable_ipv4: z.unknown().optional(),
  })
  .nullable();

export function parseCompose(text: string, fileName: string, opts: ComposeOptions = {}): ParsedCompose {
  const lines = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter: lines, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = lines.linePos(yamlError.pos[0]).line;
    throw invalidInput(`${fileName}${line ? `:${line}` : ''}: not valid YAML: ${yamlError.message.split('\n')[0]}`, yamlError);
  }
  const warnings: string[] = [];
  const at = (path: Array<string | number>) => {
    const line = lineOf(doc, lines, path);
    return line ? `${fileName}:${line}` : fileName;
  };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw invalidInput(`${fileName}: ${messageOf(err)}`, err);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalidInput(`${fileName}: expected a map with a services key`);
  const { value, unset } = interpolate(raw, opts.variables ?? {}, fileName);
  for (const name of unset) warnings.push(`${fileName}: the ${name} variable is not set; defaulting to a blank string`);
  const top = value as Record<string, unknown>;

  for (const key of Object.keys(top)) {
    if (isExtension(key) || (TOP_LEVEL_KEYS as readonly string[]).includes(key)) continue;
    if (key in REFUSED_TOP_LEVEL_KEYS) throw invalidInput(`${at([key])}: ${REFUSED_TOP_LEVEL_KEYS[key]}`);
    const near = closestKey(key, TOP_LEVEL_KEYS);
    throw invalidInput(
      `${at([key])}: unknown top-level key '${key}'${near ? ` (did you mean '${near}'?)` : ''}; balena refuses compose files with unknown keys`,
    );
  }
  const rawServices = top.services;
  if (!rawServices || typeof rawServices !== 'object' || Array.isArray(rawServices))
    throw invalidInput(`${at(['services'])}: services must be a map of service names`);

  const active = new Set(opts.profiles ?? []);
  const services: ParsedCompose['services'] = [];
  for (const [name, spec] of Object.entries(rawServices as Record<string, unknown>)) {
    if (!SERVICE_NAME.test(name)) throw invalidInput(`${at(['services', name])}: service name '${name}' is not valid`);
    let normalized: ComposeService;
    try {
      normalized = normalizeService(spec, (path, message) =>
        warnings.push(`${at(['services', name, ...path])}: service '${name}': ${message}`),
      );
    } catch (err) {
      if (!(err instanceof ServiceProblem)) throw err;
      const where = err.path.length > 0 ? ` ${err.path.join('.')}:` : '';
      throw invalidInput(`${at(['services', name, ...err.path])}: service '${name}':${where} ${err.message}`);
    }
    if (normalized.build === undefined && normalized.image === undefined)
      throw invalidInput(`${at(['services', name])}: service '${name}' has neither build nor image`);
    if (normalized.profiles.length > 0 && !normalized.profiles.some((p) => active.has(p))) {
      warnings.push(
        `${at(['services', name, 'profiles'])}: service '${name}' is left out: none of its profiles (${normalized.profiles.join(', ')}) is active (COMPOSE_PROFILES)`,
      );
      continue;
    }
    services.push({ name, spec: normalized });
  }
  if (services.length === 0) throw invalidInput(`${fileName}: no services`);
  const names = new Set(services.map((s) => s.name));
  const needs = new Map<string, string[]>();
  for (const s of services) {
    for (const d of s.spec.dependsOn) {
      if (!names.has(d))
        throw invalidInput(`${at(['services', s.name, 'depends_on'])}: service '${s.name}' depends on unknown service '${d}'`);
    }
    const mode = s.spec.keys.network_mode;
    const net = typeof mode === 'string' ? /^service:\s*(.+)$/.exec(mode)?.[1]?.trim() : undefined;
    if (net !== undefined && !names.has(net))
      throw invalidInput(
        `${at(['services', s.name, 'network_mode'])}: service '${s.name}': network_mode service:${net} names no service of this project`,
      );
    needs.set(s.name, [...s.spec.dependsOn, ...(net ? [net] : [])]);
  }
  // The device creates a service after those it needs: a cycle would never start.
  const cycle = findCycle(needs);
  if (cycle)
    throw invalidInput(
      `${at(['services', cycle[0]!])}: services depend on each other in a cycle (${cycle.join(' -> ')}), through depends_on or network_mode: service:`,
    );
  const volumes = topLevel(top.volumes, 'volumes', volumeConfig, at, (v) => {
    if (v.driver && !['local', 'default'].includes(v.driver))
      return `only "local" and "default" are supported for volume.driver on balena, got "${v.driver}"`;
    if (v.external !== undefined) return 'volume.external is not allowed by balena';
    return undefined;
  });
  const networks = topLevel(top.networks, 'networks', networkConfig, at, (n) => {
    if (n.driver && !['bridge', 'default'].includes(n.driver))
      return `only "bridge" and "default" are supported for network.driver on balena, got "${n.driver}"`;
    for (const k of ['external', 'attachable', 'enable_ipv4'] as const)
      if (n[k] !== undefined) return `network.${k} is not allowed by balena`;
    if (n.enable_ipv6) return 'network.enable_ipv6 is not supported by balena';
    return undefined;
  });
  for (const s of services) {
    const nets = s.spec.keys.networks;
    for (const n of Array.isArray(nets) ? nets : Object.keys((nets as Record<string, unknown> | undefined) ?? {})) {
      if (n !== 'default' && !(n in networks))
        throw invalidInput(
          `${at(['services', s.name, 'networks'])}: service '${s.name}' uses network '${n}', which is not declared under networks`,
        );
    }
  }
  return { services, volumes, networks, warnings };
}

function topLevel<T extends z.ZodType>(
  raw: unknown,
  key: string,
  schema: T,
  at: (path: Array<string | number>) => string,
  check: (v: NonNullable<z.output<T>>) => string | undefined,
): Record<string, Record<string, unknown>> {
  if (raw === undefined || raw === null) return {};
  const map = z.record(z.string(), z.unknown()).safeParse(raw);
  if (!map.success) throw invalidInput(`${at([key])}: ${key} must be a map of names`);
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, v] of Object.entries(map.data)) {
    const r = schema.safeParse(v);
    if (!r.success) throw invalidInput(`${at([key, name])}: ${key}.${name}: ${r.error.issues[0]!.message}`);
    const config = (r.data ?? {}) as NonNullable<z.output<T>> & Record<string, unknown>;
    const problem = check(config);
    if (problem) throw invalidInput(`${at([key, name])}: ${key}.${name}: ${problem}`);
    const clean = Object.fromEntries(Object.entries(config).filter(([k]) => !isExtension(k) && k !== 'name'));
    if (clean.labels !== undefined) clean.labels = toStringMap(clean.labels as Record<string, string>);
    out[name] = clean;
  }
  return out;
}

function findCycle(needs: ReadonlyMap<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'visiting');
    path.push(n);
    for (const d of needs.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of needs.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}
