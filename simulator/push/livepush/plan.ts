// The livepush planner: from the final stage's instructions and a batch of changed/deleted files (paths
// relative to the build context), the steps that bring the running container up to date, as plain data.
// The RUN steps after the first COPY that a change touches are re-run, as balena's livepush does.
import { posix } from 'node:path';
import { expandVars, type Instruction } from './dockerfileSteps.js';

export type LiveStep =
  | { kind: 'copy'; files: Array<{ from: string; to: string }> }
  | { kind: 'delete'; paths: string[] }
  | { kind: 'run'; command: string; workdir: string; env: Record<string, string> }
  | { kind: 'restart' };

export interface LivePlan {
  steps: LiveStep[];
  /** Changed or deleted files no COPY puts in the image (nothing to do for them). */
  unmatched: string[];
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function normalizeSource(src: string): string {
  let s = posix.normalize(src.replace(/^\.\//, ''));
  if (s === '.' || s === './') s = '';
  return s.replace(/\/+$/, '');
}

/** Where a COPY puts context file `file`, or undefined when it does not copy it. */
export function containerPathOf(file: string, sources: string[], dest: string, workdir: string): string | undefined {
  const absDest = posix.isAbsolute(dest) ? dest : posix.join(workdir, dest);
  const destIsDir = dest.endsWith('/') || dest === '.' || sources.length > 1;
  for (const raw of sources) {
    const src = normalizeSource(raw);
    if (src === '') return posix.join(absDest, file);
    if (/[*?[]/.test(src)) {
      if (globToRegExp(src).test(file)) return posix.join(absDest, posix.basename(file));
      // a glob that names directories copies their contents
      const parts = file.split('/');
      for (let i = 1; i < parts.length; i++) {
        if (globToRegExp(src).test(parts.slice(0, i).join('/'))) return posix.join(absDest, parts.slice(i).join('/'));
      }
      continue;
    }
    if (file === src) return destIsDir ? posix.join(absDest, posix.basename(file)) : absDest;
    if (file.startsWith(`${src}/`)) return posix.join(absDest, file.slice(src.length + 1));
  }
  return undefined;
}

export function planSync(stage: readonly Instruction[], changed: readonly string[], deleted: readonly string[]): LivePlan {
  let workdir = '/';
  let env: Record<string, string> = {};
  // ARG defaults and ENV values, for `$VAR` in WORKDIR and COPY paths (Docker expands both there).
  let vars: Record<string, string> = {};
  let firstTouched = Infinity;
  const copies = new Map<string, string>();
  const deletions = new Map<string, string>();
  const matched = new Set<string>();
  const runs: Array<{ index: number; command: string; workdir: string; env: Record<string, string> }> = [];
  stage.forEach((ins, index) => {
    if (ins.kind === 'WORKDIR') {
      const dir = expandVars(ins.dir, vars);
      workdir = posix.isAbsolute(dir) ? dir : posix.join(workdir, dir);
    } else if (ins.kind === 'ARG') {
      if (ins.value !== undefined && !(ins.name in vars)) vars = { ...vars, [ins.name]: expandVars(ins.value, vars) };
    } else if (ins.kind === 'ENV') {
      const expanded = Object.fromEntries(Object.entries(ins.vars).map(([k, v]) => [k, expandVars(v, vars)]));
      env = { ...env, ...expanded };
      vars = { ...vars, ...expanded };
    }
    else if (ins.kind === 'RUN') runs.push({ index, command: ins.command, workdir, env });
    else if (ins.kind === 'COPY' && !ins.fromStage) {
      // A later COPY of the same file wins, as in the image.
      for (const [files, into] of [[changed, copies], [deleted, deletions]] as const) {
        for (const f of files) {
          const to = containerPathOf(f, ins.sources.map((x) => expandVars(x, vars)), expandVars(ins.dest, vars), workdir);
          if (to) {
            into.set(f, to);
            matched.add(f);
            firstTouched = Math.min(firstTouched, index);
          }
        }
      }
    }
  });
  const steps: LiveStep[] = [];
  if (deletions.size > 0) steps.push({ kind: 'delete', paths: [...new Set(deletions.values())].sort() });
  if (copies.size > 0) steps.push({ kind: 'copy', files: [...copies].map(([from, to]) => ({ from, to })).sort((a, b) => a.to.localeCompare(b.to)) });
  for (const r of runs) if (r.index > firstTouched) steps.push({ kind: 'run', command: r.command, workdir: r.workdir, env: r.env });
  if (steps.length > 0) steps.push({ kind: 'restart' });
  const unmatched = [...changed, ...deleted].filter((f) => !matched.has(f));
  return { steps, unmatched };
}
