// Livepush after a push: a chokidar watcher per service build context (honouring `.dockerignore`), batches of
// changes planned (plan.ts) and carried out in the running container (executor.ts); a change to a Dockerfile,
// `.dockerignore` or the compose file rebuilds and pushes again with the same `--env` values. Edits made during
// a sync or rebuild are queued and handled after it, never lost.
import { relative, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { connectDevice } from '../connect.js';
import { loadContextFilter, type ContextFilter } from '../project/buildContext.js';
import { loadProject, type Project } from '../project/loadProject.js';
import { pushProject } from '../pushProject.js';
import { parseDockerfile, type ParsedDockerfile } from '../project/dockerfileParse.js';
import { executeSteps } from './executor.js';
import { planSync } from './plan.js';
import type { LivepushEvent, LivepushHandle, LivepushOptions } from './types.js';
import { messageOf } from '../../shared/errors.js';

interface WatchedService {
  name: string;
  contextDir: string;
  dockerfile: string;
  parsed: ParsedDockerfile;
  buildArgs: Record<string, string>;
  target?: string;
  buildSecrets: boolean;
  filter: ContextFilter;
  changed: Set<string>;
  deleted: Set<string>;
  timer?: NodeJS.Timeout;
}

const toPosix = (p: string) => p.split(sep).join('/');

export async function startLivepush(opts: LivepushOptions): Promise<LivepushHandle> {
  const emit = (e: LivepushEvent) => opts.onEvent?.(e);
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const { client, info } = await connectDevice(opts.device, signal, undefined, opts.access);
  const debounceMs = opts.debounceMs ?? 100;
  const loadOpts = { deviceType: info.deviceType, arch: info.arch, releaseHash: 'live', live: true };

  let project: Project = await loadProject(opts.projectDir, loadOpts);
  const services = new Map<string, WatchedService>();
  let busy = 0;
  let rebuildReason: string | undefined;
  let rebuildTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const idleWaiters: Array<() => void> = [];

  async function describeServices(p: Project): Promise<void> {
    for (const s of p.services) {
      if (!s.contextDir || (opts.services && !opts.services.includes(s.name))) continue;
      const prev = services.get(s.name);
      const entry: WatchedService = {
        name: s.name,
        contextDir: s.contextDir,
        dockerfile: s.dockerfile!,
        parsed: parseDockerfile(s.dockerfileText!),
        buildArgs: s.buildArgs,
        target: s.compose.build?.target,
        buildSecrets: s.secrets.length > 0,
        filter: await loadContextFilter(s.contextDir, [s.dockerfile!]),
        changed: prev?.changed ?? new Set(),
        deleted: prev?.deleted ?? new Set(),
      };
      services.set(s.name, entry);
    }
  }
  await describeServices(project);

  const pending = () => rebuildReason !== undefined || [...services.values()].some((s) => s.changed.size + s.deleted.size > 0 || s.timer);
  const checkIdle = () => {
    if (busy === 0 && !pending() && !rebuildTimer) for (const w of idleWaiters.splice(0)) w();
  };

  /** Serialises all work: one sync or rebuild at a time, in order. */
  function enqueue(work: () => Promise<void>): void {
    busy++;
    running = running
      .then(work)
      .catch((err: unknown) => emit({ type: 'error', message: messageOf(err) }))
      .finally(() => {
        busy--;
        checkIdle();
      });
  }

  async function sync(s: WatchedService): Promise<void> {
    if (rebuildReason !== undefined || signal.aborted) return; // the rebuild picks these up
    const changed = [...s.changed].sort();
    const deleted = [...s.deleted].sort();
    s.changed.clear();
    s.deleted.clear();
    if (changed.length + deleted.length === 0) return;
    const started = performance.now();
    const plan = planSync(s.parsed, changed, deleted, { buildArgs: s.buildArgs, target: s.target, buildSecrets: s.buildSecrets });
    if (plan.rebuild) {
      // Not safe in the running container: the rebuild reads the files as they are now.
      requestRebuild(`[${s.name}] ${plan.rebuild}`);
      return;
    }
    emit({ type: 'sync', service: s.name, changed, deleted });
    try {
      let result = { copied: 0, deleted: 0, commands: [] as string[], restarted: false };
      if (plan.steps.length > 0) {
        const id = await client.containerId(s.name, { signal });
        result = await executeSteps(client.engine(), id, s.contextDir, plan.steps, {
          signal,
          onLine: (line) => emit({ type: 'command-output', service: s.name, line }),
        });
      }
      const seconds = (performance.now() - started) / 1000;
      emit({ type: 'synced', service: s.name, ...result, seconds, unmatched: plan.unmatched });
    } catch (err) {
      emit({ type: 'error', service: s.name, message: messageOf(err) });
    }
  }

  async function rebuild(): Promise<void> {
    const reason = rebuildReason ?? 'project changed';
    emit({ type: 'rebuild', reason });
    try {
      const report = await pushProject({
        projectDir: opts.projectDir,
        device: opts.device,
        access: opts.access,
        env: opts.env,
        services: opts.services,
        buildOn: opts.buildOn,
        live: true,
        signal,
        onEvent: (event) => emit({ type: 'push', event }),
      });
      emit({ type: 'rebuilt', report });
    } catch (err) {
      emit({ type: 'error', message: `rebuild failed: ${messageOf(err)}` });
    } finally {
      // Changes made before the rebuild read the files are in the new image; later ones are synced below.
      rebuildReason = undefined;
      try {
        project = await loadProject(opts.projectDir, loadOpts);
        await describeServices(project);
      } catch (err) {
        emit({ type: 'error', message: messageOf(err) });
      }
      for (const s of services.values()) if (s.changed.size + s.deleted.size > 0) enqueue(() => sync(s));
    }
  }

  function requestRebuild(reason: string): void {
    rebuildReason ??= reason;
    clearTimeout(rebuildTimer);
    rebuildTimer = setTimeout(() => {
      rebuildTimer = undefined;
      enqueue(rebuild);
    }, debounceMs);
  }

  function isProjectFile(abs: string): string | undefined {
    if (project.composeFile && abs === project.composeFile) return 'the compose file changed';
    for (const s of services.values()) {
      const rel = toPosix(relative(s.contextDir, abs));
      if (rel === s.dockerfile || rel.startsWith('Dockerfile')) return `${s.name}: ${rel} changed`;
      if (rel === '.dockerignore') return `${s.name}: .dockerignore changed`;
    }
    return undefined;
  }

  function onFsEvent(kind: 'add' | 'change' | 'unlink', abs: string): void {
    const why = isProjectFile(abs);
    if (why) return requestRebuild(why);
    for (const s of services.values()) {
      const rel = toPosix(relative(s.contextDir, abs));
      if (rel.startsWith('..') || rel === '' || !s.filter.includes(rel)) continue;
      if (kind === 'unlink') {
        s.deleted.add(rel);
        s.changed.delete(rel);
      } else {
        s.changed.add(rel);
        s.deleted.delete(rel);
      }
      clearTimeout(s.timer);
      s.timer = setTimeout(() => {
        s.timer = undefined;
        enqueue(() => sync(s));
      }, debounceMs);
    }
  }

  const roots = [...new Set([...services.values()].map((s) => s.contextDir).concat(project.composeFile ? [project.composeFile] : []))];
  const watcher: FSWatcher = watch(roots, {
    ignoreInitial: true,
    ignored: (p: string) => /(^|[/\\])(\.git|node_modules)([/\\]|$)/.test(p),
  });
  watcher.on('add', (p) => onFsEvent('add', p));
  watcher.on('change', (p) => onFsEvent('change', p));
  watcher.on('unlink', (p) => onFsEvent('unlink', p));
  watcher.on('unlinkDir', (p) => onFsEvent('unlink', p));
  watcher.on('error', (err) => emit({ type: 'error', message: `watcher: ${messageOf(err)}` }));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  const names = [...services.keys()];
  emit({ type: 'ready', services: names });

  let disposed: Promise<void> | undefined;
  const dispose = () =>
    (disposed ??= (async () => {
      await watcher.close();
      for (const s of services.values()) clearTimeout(s.timer);
      clearTimeout(rebuildTimer);
      await running.catch(() => undefined);
      stop.abort();
      for (const w of idleWaiters.splice(0)) w();
    })());
  opts.signal?.addEventListener('abort', () => void dispose(), { once: true });

  return {
    services: names,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      }),
    dispose,
  };
}
