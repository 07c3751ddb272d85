// `.balena/balena.yml`: build variables (global and per service, become build args) and build secrets (files
// from `.balena/secrets/`, mounted at `/run/secrets/<dest>` during the build only), as balena's build reads them
// (@balena/compose multibuild: balena.yml/.yaml/.json, or the old `.resin/` names; more than one is an error).
// A secret whose file is missing is an error here, before any build starts.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { invalidInput } from '../../shared/errors.js';

export interface BuildSecret {
  /** Path under /run/secrets/ (relative, checked). */
  dest: string;
  /** Absolute path of the file on this machine. */
  file: string;
}

export interface BalenaYml {
  /** Where it was read from (relative to the project), or undefined when the project has none. */
  source?: string;
  /** The metadata folder (`.balena` or `.resin`), kept out of build contexts as balena does. */
  metadataDir?: string;
  buildArgsFor(service: string): Record<string, string>;
  secretsFor(service: string): BuildSecret[];
}

const VAR = /^([^\s=]+?)=(.+)$/s;
const varList = z.union([
  z.record(z.string(), z.string()),
  z
    .array(z.string().regex(VAR, 'expected NAME=value'))
    .transform((items) => Object.fromEntries(items.map((s) => VAR.exec(s)!.slice(1, 3) as [string, string]))),
]);
const secret = z.object({ source: z.string().min(1), dest: z.string().min(1) });
const schema = z
  .looseObject({
    'build-variables': z.object({ global: varList.optional(), services: z.record(z.string(), varList).optional() }).optional(),
    'build-secrets': z
      .object({ global: z.array(secret).optional(), services: z.record(z.string(), z.array(secret)).optional() })
      .optional(),
  })
  .nullable();

const NAMES = ['balena.yml', 'balena.yaml', 'balena.json'];

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

function safeRelative(p: string, what: string, where: string): string {
  const n = posix.normalize(p.replace(/\\/g, '/'));
  if (posix.isAbsolute(n) || n === '..' || n.startsWith('../') || n === '.')
    throw invalidInput(`${where}: ${what} '${p}' must be a path inside its folder`);
  return n;
}

export async function loadBalenaYml(projectDir: string, serviceNames: readonly string[]): Promise<BalenaYml> {
  const dirs = [];
  for (const d of ['.balena', '.resin']) if (await exists(join(projectDir, d))) dirs.push(d);
  if (dirs.length > 1) throw invalidInput(`the project has both .balena and .resin metadata folders; balena refuses that: keep .balena`);
  const metadataDir = dirs[0];
  const none: BalenaYml = { metadataDir, buildArgsFor: () => ({}), secretsFor: () => [] };
  if (!metadataDir) return none;
  const entries = await readdir(join(projectDir, metadataDir));
  const found = entries.filter((n) => NAMES.includes(n) || NAMES.includes(n.replace(/^resin/, 'balena')));
  if (found.length > 1) throw invalidInput(`${metadataDir}: more than one configuration file (${found.join(', ')}); balena refuses that`);
  if (found.length === 0) return none;
  const source = `${metadataDir}/${found[0]}`;
  const text = await readFile(join(projectDir, source), 'utf8');
  let doc: unknown;
  try {
    doc = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const line = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw invalidInput(
      `${source}${line ? `:${line}` : ''}: not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      err,
    );
  }
  const r = schema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw invalidInput(`${source}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const vars = r.data?.['build-variables'];
  const secrets = r.data?.['build-secrets'];
  for (const [kind, map] of [
    ['build-variables', vars?.services],
    ['build-secrets', secrets?.services],
  ] as const) {
    for (const name of Object.keys(map ?? {})) {
      if (!serviceNames.includes(name))
        throw invalidInput(
          `${source}: ${kind}.services names '${name}', which is not a service of this project (${serviceNames.join(', ')})`,
        );
    }
  }
  const resolved = new Map<string, BuildSecret[]>();
  for (const name of serviceNames) {
    const list = [...(secrets?.global ?? []), ...(secrets?.services?.[name] ?? [])];
    const out: BuildSecret[] = [];
    for (const s of list) {
      const src = safeRelative(s.source, 'build secret source', source);
      const file = join(projectDir, metadataDir, 'secrets', src);
      if (
        !(await stat(file).then(
          (st) => st.isFile(),
          () => false,
        ))
      ) {
        throw invalidInput(`${source}: build secret file ${metadataDir}/secrets/${src} (for service '${name}') is missing`);
      }
      out.push({ dest: safeRelative(s.dest, 'build secret dest', source), file });
    }
    resolved.set(name, out);
  }
  return {
    source,
    metadataDir,
    buildArgsFor: (service) => ({ ...(vars?.global ?? {}), ...(vars?.services?.[service] ?? {}) }),
    secretsFor: (service) => resolved.get(service) ?? [],
  };
}
