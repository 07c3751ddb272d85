// Loads a project folder: a docker-compose.yml (as balena reads it: compose.ts) or a single Dockerfile, with each
// service's build context, chosen and resolved Dockerfile (dockerfile.ts), build args and secrets
// (`.balena/balena.yml`: balenaYml.ts). Fails with `invalid-input` and a message naming the problem; nothing is
// built or sent for a project that does not load.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { EdgePushError, invalidInput } from '../../shared/errors.js';
import { archBaseNames } from '../../shared/baseImageNames.js';
import { loadBalenaYml, type BuildSecret } from './balenaYml.js';
import { parseCompose, type ComposeService } from './compose.js';
import { parseDotEnv } from './composeInterpolate.js';
import { normalizeService } from './composeService.js';
import { dockerfileCandidates, resolveTemplate, selectDockerfile, type DockerfileKind } from './dockerfile.js';
import { liveDockerfile } from '../livepush/dockerfileSteps.js';
import { engineDockerfile } from '../build/engineDockerfile.js';

export const COMPOSE_FILE_NAMES = ['docker-compose.yml', 'docker-compose.yaml'];

export interface ProjectService {
  name: string;
  compose: ComposeService;
  /** Absolute build context; undefined for an image-only service. */
  contextDir?: string;
  /** The chosen Dockerfile, relative to the context (`Dockerfile.template`, ...). */
  dockerfile?: string;
  dockerfileKind?: DockerfileKind;
  /** Its text with template variables replaced. */
  dockerfileText?: string;
  /** compose `build.args`, overridden by `.balena/balena.yml` build-variables (as balena merges them). */
  buildArgs: Record<string, string>;
  /** `.balena/balena.yml` build-secrets for this service (files checked to exist). */
  secrets: BuildSecret[];
  /** Context paths never sent (the `.balena` metadata folder when the context is the project root). */
  excluded: string[];
  /** Image-only services: the image reference to use. */
  image?: string;
}

export interface Project {
  dir: string;
  /** Application name (folder name), used for %%BALENA_APP_NAME%%. */
  name: string;
  /** Absolute path of the compose file, when there is one. */
  composeFile?: string;
  services: ProjectService[];
  volumes: Record<string, Record<string, unknown>>;
  networks: Record<string, Record<string, unknown>>;
  /** What balena would warn about (stripped keys, unset variables, ...): the push goes on. */
  warnings: string[];
}

export interface LoadOptions {
  deviceType: string;
  arch: string;
  releaseHash: string;
  /** Build for livepush: `#dev-*` directives become instructions (see livepush/dockerfileSteps.ts). */
  live?: boolean;
  /** `--dockerfile`: the Dockerfile of every service that does not name one (a path in its build context). */
  dockerfile?: string;
  /** Values for `${VAR}` in the compose file (default: this process's environment), over the project's `.env`. */
  environment?: Record<string, string | undefined>;
}

/** What `balena push` uses for a project with a single Dockerfile (service `main`). */
export function defaultSingleService(): ComposeService {
  return normalizeService(
    {
      build: '.',
      privileged: true,
      tty: true,
      restart: 'always',
      network_mode: 'host',
      volumes: ['resin-data:/data'],
      labels: {
        'io.resin.features.kernel-modules': '1',
        'io.resin.features.firmware': '1',
        'io.resin.features.dbus': '1',
        'io.resin.features.supervisor-api': '1',
        'io.resin.features.resin-api': '1',
      },
    },
    () => undefined,
  );
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function readOptional(p: string): Promise<string | undefined> {
  return readFile(p, 'utf8').catch(() => undefined);
}

export async function findComposeFile(dir: string): Promise<string | undefined> {
  const names = await readdir(dir);
  const f = COMPOSE_FILE_NAMES.find((n) => names.includes(n));
  return f ? join(dir, f) : undefined;
}

/** `env_file` and `label_file` contents, merged under the service's own `environment`/`labels` (as compose does). */
async function applyFiles(spec: ComposeService, baseDir: string, svc: string): Promise<ComposeService> {
  const env: Record<string, string> = {};
  for (const f of spec.envFiles) {
    const text = await readOptional(join(baseDir, f.path));
    if (text === undefined) {
      if (f.required) throw invalidInput(`service '${svc}': env_file ${f.path} does not exist`);
      continue;
    }
    Object.assign(env, parseDotEnv(text));
  }
  const labels: Record<string, string> = {};
  for (const f of spec.labelFiles) {
    const text = await readOptional(join(baseDir, f));
    if (text === undefined) throw invalidInput(`service '${svc}': label_file ${f} does not exist`);
    Object.assign(labels, parseDotEnv(text));
  }
  return { ...spec, environment: { ...env, ...spec.environment }, labels: { ...labels, ...spec.labels } };
}

/** The context's files in the folder the Dockerfile is looked for in (relative to the context). */
async function filesNear(contextDir: string, specified: string | undefined): Promise<string[]> {
  const folder = specified ? posix.dirname(specified.replace(/\\/g, '/')) : '.';
  const names = await readdir(join(contextDir, folder)).catch(() => [] as string[]);
  return names.map((n) => (folder === '.' ? n : posix.join(folder, n)));
}

export async function loadProject(projectDir: string, opts: LoadOptions): Promise<Project> {
  const dir = resolve(projectDir);
  if (!(await isDir(dir))) throw invalidInput(`project folder ${projectDir} does not exist`);
  const name =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9_.-]/g, '-') || 'localapp';
  const composeFile = await findComposeFile(dir);
  let specs: Array<{ name: string; spec: ComposeService }>;
  let volumes: Project['volumes'];
  let networks: Project['networks'];
  const warnings: string[] = [];
  if (composeFile) {
    const dotEnv = parseDotEnv((await readOptional(join(dir, '.env'))) ?? '');
    const environment = opts.environment ?? process.env;
    const variables = { ...dotEnv, ...environment };
    const profiles = (variables.COMPOSE_PROFILES ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const parsed = parseCompose(await readFile(composeFile, 'utf8'), basename(composeFile), { variables, profiles });
    ({ volumes, networks } = parsed);
    warnings.push(...parsed.warnings);
    specs = [];
    for (const s of parsed.services) specs.push({ name: s.name, spec: await applyFiles(s.spec, dirname(composeFile), s.name) });
  } else {
    specs = [{ name: 'main', spec: defaultSingleService() }];
    volumes = { 'resin-data': {} };
    networks = {};
  }
  const balena = await loadBalenaYml(
    dir,
    specs.map((s) => s.name),
  );
  const services: ProjectService[] = [];
  for (const { name: svc, spec } of specs) {
    if (spec.build === undefined) {
      services.push({ name: svc, compose: spec, image: spec.image, buildArgs: {}, secrets: [], excluded: [] });
      continue;
    }
    const ctx = spec.build.context;
    const contextDir = isAbsolute(ctx) ? ctx : join(dir, ctx);
    const rel = relative(dir, contextDir);
    if (rel.startsWith('..') || isAbsolute(rel))
      throw invalidInput(`service '${svc}': build context ${ctx} is outside the project folder (balena needs it to be a subfolder)`);
    if (!(await isDir(contextDir))) throw invalidInput(`service '${svc}': build context ${ctx} does not exist`);
    const specified = spec.build.dockerfile ?? opts.dockerfile;
    const choice = selectDockerfile(await filesNear(contextDir, specified), opts.deviceType, opts.arch, specified);
    if (!choice) {
      const looked = dockerfileCandidates(opts.deviceType, opts.arch, specified).join(', ');
      throw invalidInput(`service '${svc}': no Dockerfile in ${relative(process.cwd(), contextDir) || '.'} (looked for ${looked})`);
    }
    const text = await readFile(join(contextDir, choice.file), 'utf8');
    let resolved = text;
    if (choice.kind !== 'plain') {
      try {
        resolved = resolveTemplate(text, {
          arch: opts.arch,
          deviceType: opts.deviceType,
          serviceName: svc,
          appName: name,
          releaseHash: opts.releaseHash,
        });
      } catch (err) {
        if (EdgePushError.is(err, 'invalid-input'))
          throw invalidInput(`service '${svc}': ${posix.join(rel.split('\\').join('/'), choice.file)}: ${err.message}`);
        throw err;
      }
    }
    resolved = archBaseNames(resolved, opts.arch);
    const dockerfileText = opts.live ? liveDockerfile(resolved) : resolved;
    try {
      engineDockerfile(dockerfileText); // what no engine of a balena device can build is refused now, not mid-push
    } catch (err) {
      throw invalidInput(
        `service '${svc}': ${posix.join(rel.split('\\').join('/'), choice.file)}: ${err instanceof Error ? err.message.replace(/^Dockerfile /, '') : String(err)}`,
        err,
      );
    }
    services.push({
      name: svc,
      compose: spec,
      contextDir,
      dockerfile: choice.file,
      dockerfileKind: choice.kind,
      dockerfileText,
      buildArgs: { ...spec.build.args, ...balena.buildArgsFor(svc) },
      secrets: balena.secretsFor(svc),
      excluded: rel === '' && balena.metadataDir ? [balena.metadataDir] : [],
    });
  }
  return { dir, name, composeFile, services, volumes, networks, warnings };
}

/** Checks `--service` names against the project. */
export function checkServiceNames(project: Project, wanted: string[] | undefined): void {
  for (const w of wanted ?? []) {
    if (!project.services.some((s) => s.name === w)) {
      throw invalidInput(`unknown service '${w}' (the project has ${project.services.map((s) => s.name).join(', ')})`);
    }
  }
}
