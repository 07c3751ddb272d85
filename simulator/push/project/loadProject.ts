// Loads a project folder: a docker-compose.yml (balena's subset) or a single Dockerfile, with each service's
// build context and chosen, resolved Dockerfile. Fails with `invalid-input` and a message naming the problem.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { invalidInput } from '../../shared/errors.js';
import { parseCompose, toStringMap, type ComposeService } from './compose.js';
import { dockerfileCandidates, resolveTemplate, selectDockerfile } from './dockerfile.js';
import { liveDockerfile } from '../livepush/dockerfileSteps.js';

export const COMPOSE_FILE_NAMES = ['docker-compose.yml', 'docker-compose.yaml'];

export interface ProjectService {
  name: string;
  compose: ComposeService;
  /** Absolute build context; undefined for an image-only service. */
  contextDir?: string;
  /** The chosen Dockerfile, relative to the context (`Dockerfile.template`, ...). */
  dockerfile?: string;
  /** Its text with template variables replaced. */
  dockerfileText?: string;
  buildArgs: Record<string, string>;
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
  volumes: string[];
  networks: string[];
}

export interface LoadOptions {
  deviceType: string;
  arch: string;
  releaseHash: string;
  /** Build for livepush: `#dev-*` directives become instructions (see livepush/dockerfileSteps.ts). */
  live?: boolean;
  /** `--dockerfile`: the Dockerfile of every service that does not name one (a path in its build context). */
  dockerfile?: string;
}

/** What `balena push` uses for a project with a single Dockerfile (service `main`). */
export function defaultSingleService(): ComposeService {
  return {
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
  };
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export async function findComposeFile(dir: string): Promise<string | undefined> {
  const names = await readdir(dir);
  const f = COMPOSE_FILE_NAMES.find((n) => names.includes(n));
  return f ? join(dir, f) : undefined;
}

export async function loadProject(projectDir: string, opts: LoadOptions): Promise<Project> {
  const dir = resolve(projectDir);
  if (!(await isDir(dir))) throw invalidInput(`project folder ${projectDir} does not exist`);
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9_.-]/g, '-') || 'localapp';
  const composeFile = await findComposeFile(dir);
  let specs: Array<{ name: string; spec: ComposeService }>;
  let volumes: string[];
  let networks: string[];
  if (composeFile) {
    const parsed = parseCompose(await readFile(composeFile, 'utf8'), relative(process.cwd(), composeFile) || composeFile);
    ({ services: specs, volumes, networks } = parsed);
  } else {
    specs = [{ name: 'main', spec: defaultSingleService() }];
    volumes = ['resin-data'];
    networks = [];
  }
  const services: ProjectService[] = [];
  for (const { name: svc, spec } of specs) {
    if (spec.build === undefined) {
      services.push({ name: svc, compose: spec, image: spec.image, buildArgs: {} });
      continue;
    }
    const build = typeof spec.build === 'string' ? { context: spec.build } : spec.build;
    const ctx = build.context ?? '.';
    const contextDir = isAbsolute(ctx) ? ctx : join(dir, ctx);
    if (!(await isDir(contextDir))) throw invalidInput(`service '${svc}': build context ${ctx} does not exist`);
    let dockerfile = build.dockerfile ?? opts.dockerfile;
    if (dockerfile === undefined) {
      dockerfile = selectDockerfile(await readdir(contextDir), opts.deviceType, opts.arch);
      if (!dockerfile) {
        const looked = dockerfileCandidates(opts.deviceType, opts.arch).join(', ');
        throw invalidInput(`service '${svc}': no Dockerfile in ${relative(process.cwd(), contextDir) || '.'} (looked for ${looked})`);
      }
    }
    let text: string;
    try {
      text = await readFile(join(contextDir, dockerfile), 'utf8');
    } catch {
      throw invalidInput(`service '${svc}': Dockerfile ${dockerfile} not found in ${ctx}`);
    }
    const resolved = resolveTemplate(text, {
      arch: opts.arch,
      deviceType: opts.deviceType,
      serviceName: svc,
      appName: name,
      releaseHash: opts.releaseHash,
    });
    const dockerfileText = opts.live ? liveDockerfile(resolved) : resolved;
    services.push({ name: svc, compose: spec, contextDir, dockerfile, dockerfileText, buildArgs: toStringMap(build.args) });
  }
  return { dir, name, composeFile, services, volumes, networks };
}

/** Checks `--service` names against the project. */
export function checkServiceNames(project: Project, wanted: string[] | undefined): void {
  for (const w of wanted ?? []) {
    if (!project.services.some((s) => s.name === w)) {
      throw invalidInput(`unknown service '${w}' (the project has ${project.services.map((s) => s.name).join(', ')})`);
    }
  }
}
