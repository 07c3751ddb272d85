// Which Dockerfile a service builds with, and balena's template variables, as balena's resolvers do it
// (@balena/compose `lib/resolve`): given the name compose asks for (`build.dockerfile`, default `Dockerfile`) as D,
//   1. an architecture or device type variant: a file `D.<ext>` (or D itself) whose extension is the device type
//      (preferred) or the architecture — so `dockerfile: Dockerfile` still picks `Dockerfile.aarch64`;
//   2. a template: `D.template` (or D itself when it ends in `.template`);
//   3. D itself, as a plain Dockerfile (not processed as a template).
// Variants and templates are processed as templates; `%%VAR%%` on lines that start with `#` is left alone, and
// an unknown variable is an error (balena fails the build the same way).
import { posix } from 'node:path';
import { archInfo } from '../../shared/deviceTypes.js';
import { invalidInput } from '../../shared/errors.js';

export interface TemplateVars {
  arch: string;
  deviceType: string;
  serviceName: string;
  appName: string;
  releaseHash: string;
}

export type DockerfileKind = 'variant' | 'template' | 'plain';

export interface DockerfileChoice {
  /** The file chosen, relative to the build context. */
  file: string;
  kind: DockerfileKind;
}

/** What is looked for, in order, for a message when nothing is found. */
export function dockerfileCandidates(deviceType: string, arch: string, specified = 'Dockerfile'): string[] {
  return [`${specified}.${deviceType}`, `${specified}.${arch}`, `${specified}.template`, specified];
}

function normalize(p: string): string {
  return posix
    .normalize(p.replace(/\\/g, '/'))
    .replace(/^\.\/+/, '')
    .replace(/\/+$/, '');
}

/**
 * Picks the Dockerfile from the files of a build context (relative paths; only those in D's folder matter);
 * undefined when none fits.
 */
export function selectDockerfile(
  present: Iterable<string>,
  deviceType: string,
  arch: string,
  specified?: string,
): DockerfileChoice | undefined {
  const d = normalize(specified ?? 'Dockerfile');
  const files = [...present].map(normalize);
  const minusExt = (f: string) => {
    const ext = posix.extname(f);
    return { ext, stem: ext ? f.slice(0, -ext.length) : f };
  };
  const named = files.filter((f) => f === d || minusExt(f).stem === d);
  const variants = named.filter((f) => minusExt(f).ext !== '' && minusExt(f).ext !== '.template');
  const byExt = (want: string) => variants.find((f) => minusExt(f).ext.slice(1) === want);
  const variant = byExt(deviceType) ?? byExt(arch);
  if (variant) return { file: variant, kind: 'variant' };
  const template = named.find((f) => minusExt(f).ext === '.template');
  if (template) return { file: template, kind: 'template' };
  if (files.includes(d)) return { file: d, kind: 'plain' };
  return undefined;
}

/** Replaces balena's `%%VAR%%` template variables; throws invalid-input on an unknown one, naming its line. */
export function resolveTemplate(text: string, v: TemplateVars): string {
  const values: Record<string, string> = {};
  const base: Record<string, string> = {
    ARCH: v.arch,
    MACHINE_NAME: v.deviceType,
    SERVICE_NAME: v.serviceName,
    // Not in balena's set: EdgePush extras, harmless where balena would fail on them.
    APP_NAME: v.appName,
    RELEASE_HASH: v.releaseHash,
  };
  for (const [k, val] of Object.entries(base)) {
    values[`BALENA_${k}`] = val;
    values[`RESIN_${k}`] = val;
  }
  return text
    .split('\n')
    .map((line, i) =>
      line.startsWith('#')
        ? line
        : line.replace(/%%([A-Z][A-Z_]+)%%/g, (_whole, name: string) => {
            const value = values[name];
            if (value === undefined)
              throw invalidInput(
                `line ${i + 1}: unknown template variable %%${name}%% (balena knows ${Object.keys(values)
                  .filter((k) => k.startsWith('BALENA_'))
                  .join(', ')})`,
              );
            return value;
          }),
    )
    .join('\n');
}

/** arch → docker platform string, as the balena CLI maps it (the table in shared/deviceTypes.ts). */
export function platformOf(arch: string): string | undefined {
  return archInfo(arch)?.platform;
}
