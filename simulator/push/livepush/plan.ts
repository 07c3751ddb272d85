// The livepush planner: from the parsed Dockerfile and a batch of changed/deleted files (paths relative to the
// build context), the steps that bring the running container up to date, as plain data. The RUN steps after the
// first COPY that a change touches are re-run, as balena's livepush does. What cannot be done safely in the
// running container (a file built in another stage, an archive ADD extracts, a RUN that needs its build mounts
// or secrets, an owner given by name) is not attempted: the plan says `rebuild` with the reason, in one line.
import { posix } from 'node:path';
import { expandVars, runArgv, targetStage, type Instruction, type ParsedDockerfile, type Stage } from '../project/dockerfileParse.js';
import { containerPathOf } from './containerPath.js';

export { containerPathOf };

export interface CopiedFile {
  from: string;
  to: string;
  /** `--chown=uid[:gid]` (numeric) and `--chmod=octal` of the COPY that put it there. */
  uid?: number;
  gid?: number;
  mode?: number;
}

export type LiveStep =
  | { kind: 'copy'; files: CopiedFile[] }
  | { kind: 'delete'; paths: string[] }
  | { kind: 'run'; argv: string[]; command: string; workdir: string; env: Record<string, string>; user?: string }
  | { kind: 'restart' };

export interface LivePlan {
  steps: LiveStep[];
  /** Changed or deleted files no COPY puts in the image (nothing to do for them). */
  unmatched: string[];
  /** Set when only a rebuild can bring the change in: why, in one line (no steps then). */
  rebuild?: string;
}

export interface PlanOptions {
  /** The build args the image was built with (balena.yml and compose `build.args`): they win over ARG defaults. */
  buildArgs?: Readonly<Record<string, string>>;
  /** compose `build.target`. */
  target?: string;
  /** The service has build secrets (`/run/secrets` exists only during its build). */
  buildSecrets?: boolean;
}

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz)$/i;

/** The stages the target stage is made from: its FROM chain, `COPY --from` and `RUN --mount from=` sources. */
function stagesFeeding(parsed: ParsedDockerfile, target: Stage): Stage[] {
  const byRef = (ref: string) =>
    parsed.stages.find((s) => s.name === ref.toLowerCase()) ?? (/^\d+$/.test(ref) ? parsed.stages[Number(ref)] : undefined);
  const seen = new Set<Stage>();
  const visit = (s: Stage) => {
    for (const ins of s.instructions) {
      const refs =
        ins.kind === 'FROM'
          ? [ins.image]
          : ins.kind === 'COPY' && ins.from
            ? [ins.from]
            : ins.kind === 'RUN'
              ? ins.mounts.map((m) => /(?:^|,)from=([^,]+)/.exec(m)?.[1]).filter((x): x is string => !!x)
              : [];
      for (const ref of refs) {
        const dep = byRef(ref);
        if (dep && dep !== s && dep.index < s.index && !seen.has(dep)) {
          seen.add(dep);
          visit(dep);
        }
      }
    }
  };
  visit(target);
  return [...seen].sort((a, b) => a.index - b.index);
}

/** ARG and ENV values in effect as a stage goes, for `$VAR` in WORKDIR and COPY paths (Docker expands both). */
class StageVars {
  vars: Record<string, string> = {};
  env: Record<string, string> = {};
  constructor(
    private readonly parsed: ParsedDockerfile,
    private readonly buildArgs: Readonly<Record<string, string>>,
  ) {}
  apply(ins: Instruction): void {
    if (ins.kind === 'ARG') {
      for (const a of ins.args) {
        if (a.name in this.env) continue; // ENV wins over ARG
        const global = this.parsed.globalArgs.find((g) => g.name === a.name)?.value;
        const value = this.buildArgs[a.name] ?? (a.value !== undefined ? expandVars(a.value, this.vars) : global);
        if (value !== undefined) this.vars = { ...this.vars, [a.name]: value };
      }
    } else if (ins.kind === 'ENV') {
      const expanded = Object.fromEntries(Object.entries(ins.vars).map(([k, v]) => [k, expandVars(v, this.vars)]));
      this.env = { ...this.env, ...expanded };
      this.vars = { ...this.vars, ...expanded };
    }
  }
}

function matchesIn(
  stage: Stage,
  parsed: ParsedDockerfile,
  buildArgs: Readonly<Record<string, string>>,
  files: readonly string[],
): { file: string; line: number } | undefined {
  const v = new StageVars(parsed, buildArgs);
  let workdir = '/';
  for (const ins of stage.instructions) {
    v.apply(ins);
    if (ins.kind === 'WORKDIR') workdir = posix.resolve(workdir, expandVars(ins.dir, v.vars));
    if (ins.kind !== 'COPY' || ins.from || ins.heredoc) continue;
    for (const f of files) {
      if (
        containerPathOf(
          f,
          ins.sources.map((x) => expandVars(x, v.vars)),
          expandVars(ins.dest, v.vars),
          workdir,
        )
      )
        return { file: f, line: ins.line };
    }
  }
  return undefined;
}

function ownerOf(chown: string | undefined): { uid?: number; gid?: number } | 'named' {
  if (!chown) return {};
  const m = /^(\d+)(?::(\d+))?$/.exec(chown);
  if (!m) return 'named';
  return { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) };
}

export function planSync(parsed: ParsedDockerfile, changed: readonly string[], deleted: readonly string[], o: PlanOptions = {}): LivePlan {
  const buildArgs = o.buildArgs ?? {};
  const stage = targetStage(parsed, o.target);
  const all = [...changed, ...deleted];
  if (!stage)
    return {
      steps: [],
      unmatched: all,
      rebuild: o.target ? `the build target '${o.target}' is not a stage of the Dockerfile` : 'the Dockerfile has no FROM',
    };
  for (const earlier of stagesFeeding(parsed, stage)) {
    const hit = matchesIn(earlier, parsed, buildArgs, all);
    if (hit)
      return {
        steps: [],
        unmatched: [],
        rebuild: `${hit.file} goes into stage '${earlier.name ?? earlier.index}' (Dockerfile line ${hit.line}), which livepush cannot update in place`,
      };
  }

  const v = new StageVars(parsed, buildArgs);
  let workdir = '/';
  let user: string | undefined;
  let firstTouched = Infinity;
  const copies = new Map<string, CopiedFile>();
  const deletions = new Map<string, string>();
  const matched = new Set<string>();
  const runs: Array<{ index: number; step: Extract<LiveStep, { kind: 'run' }>; ins: Extract<Instruction, { kind: 'RUN' }> }> = [];
  for (const [index, ins] of stage.instructions.entries()) {
    v.apply(ins);
    if (ins.kind === 'WORKDIR') workdir = posix.resolve(workdir, expandVars(ins.dir, v.vars));
    else if (ins.kind === 'USER') user = expandVars(ins.user, v.vars);
    else if (ins.kind === 'RUN')
      runs.push({
        index,
        ins,
        step: { kind: 'run', argv: runArgv(ins), command: ins.command.trim(), workdir, env: v.env, ...(user ? { user } : {}) },
      });
    else if (ins.kind === 'COPY' && !ins.from && !ins.heredoc) {
      const sources = ins.sources.map((x) => expandVars(x, v.vars));
      const dest = expandVars(ins.dest, v.vars);
      // A later COPY of the same file wins, as in the image.
      for (const [files, isDelete] of [
        [changed, false],
        [deleted, true],
      ] as const) {
        for (const f of files) {
          const to = containerPathOf(f, sources, dest, workdir);
          if (!to) continue;
          if (ins.keyword === 'ADD' && ARCHIVE.test(f))
            return { steps: [], unmatched: [], rebuild: `${f} is an archive that ADD (Dockerfile line ${ins.line}) extracts` };
          const owner = ownerOf(ins.chown && expandVars(ins.chown, v.vars));
          if (owner === 'named')
            return {
              steps: [],
              unmatched: [],
              rebuild: `${f} is copied with --chown=${ins.chown} (Dockerfile line ${ins.line}), a name livepush cannot resolve`,
            };
          const mode = ins.chmod && /^[0-7]{3,4}$/.test(ins.chmod) ? parseInt(ins.chmod, 8) : undefined;
          if (isDelete) deletions.set(f, to);
          else copies.set(f, { from: f, to, ...owner, ...(mode !== undefined ? { mode } : {}) });
          matched.add(f);
          firstTouched = Math.min(firstTouched, index);
        }
      }
    }
  }
  const steps: LiveStep[] = [];
  if (deletions.size > 0) steps.push({ kind: 'delete', paths: [...new Set(deletions.values())].sort() });
  if (copies.size > 0) steps.push({ kind: 'copy', files: [...copies.values()].sort((a, b) => a.to.localeCompare(b.to)) });
  for (const r of runs) {
    if (r.index <= firstTouched) continue;
    if (r.ins.mounts.length > 0)
      return {
        steps: [],
        unmatched: [],
        rebuild: `RUN at Dockerfile line ${r.ins.line} needs its build mounts (--mount), which exist only during a build`,
      };
    if (o.buildSecrets)
      return {
        steps: [],
        unmatched: [],
        rebuild: `RUN at Dockerfile line ${r.ins.line} may read the build secrets, which exist only during a build`,
      };
    steps.push(r.step);
  }
  if (steps.length > 0) steps.push({ kind: 'restart' });
  const unmatched = all.filter((f) => !matched.has(f));
  return { steps, unmatched };
}
