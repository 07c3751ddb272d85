// The docker-compose subset balena supports, parsed and validated (zod) into plain service descriptions.
// Errors name the file and the offending key so a user can fix them.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { invalidInput } from '../../shared/errors.js';

const stringMap = z.union([
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  z.array(z.string()),
]);

const buildSchema = z.union([
  z.string(),
  z.object({
    context: z.string().optional(),
    dockerfile: z.string().optional(),
    args: stringMap.optional(),
    target: z.string().optional(),
  }),
]);

const stringOrList = z.union([z.string(), z.array(z.string())]);

export const composeServiceSchema = z
  .object({
    build: buildSchema.optional(),
    image: z.string().optional(),
    environment: stringMap.optional(),
    labels: stringMap.optional(),
    ports: z.array(z.union([z.string(), z.number()])).optional(),
    volumes: z.array(z.string()).optional(),
    networks: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
    command: stringOrList.optional(),
    entrypoint: stringOrList.optional(),
    restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
    privileged: z.boolean().optional(),
    network_mode: z.string().optional(),
    depends_on: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]).optional(),
    tty: z.boolean().optional(),
    working_dir: z.string().optional(),
    user: z.string().optional(),
    cap_add: z.array(z.string()).optional(),
    devices: z.array(z.string()).optional(),
  })
  .strict();

export const composeFileSchema = z.object({
  version: z.union([z.string(), z.number()]).optional(),
  services: z.record(z.string(), composeServiceSchema.nullable()),
  volumes: z.record(z.string(), z.union([z.object({}).loose(), z.null()])).optional(),
  networks: z.record(z.string(), z.union([z.object({}).loose(), z.null()])).optional(),
});

export type ComposeService = z.infer<typeof composeServiceSchema>;

export interface ParsedCompose {
  /** In file order. */
  services: Array<{ name: string; spec: ComposeService }>;
  volumes: string[];
  networks: string[];
}

/** Lists (`K=V`) and maps become a string map; `null` values become empty strings. */
export function toStringMap(v: z.infer<typeof stringMap> | undefined): Record<string, string> {
  if (!v) return {};
  if (Array.isArray(v)) {
    const out: Record<string, string> = {};
    for (const item of v) {
      const eq = item.indexOf('=');
      if (eq < 0) out[item] = '';
      else out[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return out;
  }
  return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, val === null ? '' : String(val)]));
}

const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function parseCompose(text: string, fileName: string): ParsedCompose {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw invalidInput(`${fileName}: not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`, err);
  }
  const r = composeFileSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.join('.') || '(top level)';
    const what = issue.code === 'unrecognized_keys' ? `unsupported key(s) ${issue.keys.join(', ')}` : issue.message;
    throw invalidInput(`${fileName}: ${where}: ${what}`);
  }
  const services = Object.entries(r.data.services).map(([name, spec]) => {
    if (!SERVICE_NAME.test(name)) throw invalidInput(`${fileName}: service name '${name}' is not valid`);
    const s = spec ?? {};
    if (s.build === undefined && s.image === undefined) throw invalidInput(`${fileName}: service '${name}' has neither build nor image`);
    return { name, spec: s };
  });
  if (services.length === 0) throw invalidInput(`${fileName}: no services`);
  const names = new Set(services.map((s) => s.name));
  for (const s of services) {
    const deps = Array.isArray(s.spec.depends_on) ? s.spec.depends_on : Object.keys(s.spec.depends_on ?? {});
    for (const d of deps) if (!names.has(d)) throw invalidInput(`${fileName}: service '${s.name}' depends on unknown service '${d}'`);
  }
  return { services, volumes: Object.keys(r.data.volumes ?? {}), networks: Object.keys(r.data.networks ?? {}) };
}
