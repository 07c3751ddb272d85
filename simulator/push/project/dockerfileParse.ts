// The one place a Dockerfile is parsed: dockerfile-ast (the parser of the Docker language server) turns the
// text into stages of typed instructions. It handles what a hand-written reader gets wrong: `# escape=`, line
// continuations with either escape character, comments inside continued instructions, JSON forms, flags
// (`COPY --from`, `--chown`, `--chmod`, `RUN --mount`, `FROM --platform`) and heredocs. Everything here is plain
// data with 1-based line numbers; what to do with it (livepush, builds) lives with its users.
import { DockerfileParser, type Instruction as AstInstruction } from 'dockerfile-ast';
import { invalidInput } from '../../shared/errors.js';

export const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

interface At {
  /** First and last line of the instruction (1-based, heredoc bodies included). */
  line: number;
  endLine: number;
}

export type RunForm =
  /** `RUN cmd args`: run by the SHELL in effect. */
  | 'shell'
  /** `RUN ["cmd", "args"]`: run as is. */
  | 'exec'
  /** `RUN <<EOF ... EOF`: the heredoc is the script, run by the SHELL in effect (or its `#!`). */
  | 'heredoc-script'
  /** `RUN cmd <<EOF ... EOF`: a shell command with heredoc input; the shell reads the heredocs itself. */
  | 'heredoc-input';

export type Instruction =
  | (At & { kind: 'FROM'; image: string; stageName?: string; platform?: string })
  | (At & {
      kind: 'COPY';
      keyword: 'COPY' | 'ADD';
      /** Context paths (or a stage's paths with `from`), quotes removed, variables not yet expanded. */
      sources: string[];
      dest: string;
      /** `--from=<stage|image>`: not from the build context. */
      from?: string;
      chown?: string;
      chmod?: string;
      /** `COPY <<EOF dest`: content written in the Dockerfile, not from the context. */
      heredoc: boolean;
    })
  | (At & {
      kind: 'RUN';
      form: RunForm;
      /** shell: the command text; exec: argv joined by spaces (for display); heredoc-*: the script. */
      command: string;
      /** exec form's argv. */
      argv?: string[];
      /** The SHELL in effect for this RUN. */
      shell: string[];
      /** `--mount=...` values (cache, secret, bind): a RUN that needs them cannot run outside a build. */
      mounts: string[];
      /** The flags as written (`--mount=... --network=...`), to keep when the instruction is rewritten. */
      flagsText: string;
    })
  | (At & { kind: 'WORKDIR'; dir: string })
  | (At & { kind: 'ENV'; vars: Record<string, string> })
  | (At & { kind: 'ARG'; args: Array<{ name: string; value?: string }> })
  | (At & { kind: 'USER'; user: string })
  | (At & { kind: 'SHELL'; argv: string[] })
  | (At & { kind: 'CMD'; command: string })
  | (At & { kind: 'OTHER'; keyword: string });

export interface Stage {
  /** `AS name`, lower-cased as Docker matches it. */
  name?: string;
  index: number;
  /** The stage's instructions, its FROM first. */
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  escape: string;
  /** ARGs before the first FROM (they apply to FROM lines, and to stages that re-declare them). */
  globalArgs: Array<{ name: string; value?: string }>;
  stages: Stage[];
}

const unquote = (s: string) => s.replace(/^(["'])(.*)\1$/s, '$2');

function jsonArray(s: string | null): string[] | undefined {
  if (!s || !s.trimStart().startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

function flagsOf(ins: AstInstruction): Array<{ name: string; value: string | null; text: string }> {
  const withFlags = ins as AstInstruction & {
    getFlags?: () => Array<{ getName(): string; getValue(): string | null; toString(): string }>;
  };
  return (withFlags.getFlags?.() ?? []).map((f) => ({ name: f.getName().toLowerCase(), value: f.getValue(), text: f.toString() }));
}

const HEREDOC_ONLY = /^\s*(<<-?\s*(["']?)[A-Za-z0-9_.-]+\2\s*)+$/;

function runOf(ins: AstInstruction, at: At, shell: string[], text: string): Instruction {
  const flags = flagsOf(ins);
  const base = {
    kind: 'RUN' as const,
    ...at,
    shell,
    mounts: flags.filter((f) => f.name === 'mount').map((f) => f.value ?? ''),
    flagsText: flags.map((f) => f.text).join(' '),
  };
  const heredocs = (
    ins as AstInstruction & {
      getHeredocs(): Array<{
        getName(): string;
        getContentRange(): { start: { line: number; character: number }; end: { line: number; character: number } } | null;
        getStartRange(): { start: { line: number; character: number } };
      }>;
    }
  ).getHeredocs();
  const raw = ins.getRawArgumentsContent() ?? '';
  if (heredocs.length > 0) {
    const firstLine = raw.split('\n')[0] ?? '';
    if (HEREDOC_ONLY.test(firstLine)) {
      const h = heredocs[0]!;
      const r = h.getContentRange();
      const lines = text.split(/\r?\n/);
      let script = r ? lines.slice(r.start.line, r.end.line + 1).join('\n') : '';
      if (/<<-/.test(firstLine)) script = script.replace(/^\t+/gm, '');
      return { ...base, form: 'heredoc-script', command: script.endsWith('\n') ? script : `${script}\n` };
    }
    return { ...base, form: 'heredoc-input', command: raw };
  }
  const argv = jsonArray(ins.getArgumentsContent());
  if (argv) return { ...base, form: 'exec', command: argv.join(' '), argv };
  return { ...base, form: 'shell', command: ins.getArgumentsContent() ?? '' };
}

function copyOf(ins: AstInstruction, at: At): Instruction {
  const flags = flagsOf(ins);
  const flag = (n: string) => flags.find((f) => f.name === n)?.value ?? undefined;
  const heredoc = (ins as AstInstruction & { getHeredocs(): unknown[] }).getHeredocs().length > 0;
  const content = ins.getArgumentsContent();
  const words = jsonArray(content) ?? ins.getArguments().map((a) => unquote(a.getValue()));
  const paths = heredoc ? words.filter((w) => !w.startsWith('<<')).slice(0, 1) : words;
  const dest = paths.pop() ?? '.';
  return {
    kind: 'COPY',
    ...at,
    keyword: ins.getKeyword() === 'ADD' ? 'ADD' : 'COPY',
    sources: heredoc ? [] : paths,
    dest,
    from: flag('from'),
    chown: flag('chown'),
    chmod: flag('chmod'),
    heredoc,
  };
}

function propertiesOf(ins: AstInstruction): Array<{ name: string; value: string | null }> {
  const p = ins as AstInstruction & { getProperties?: () => Array<{ getName(): string; getValue(): string | null }> };
  return (p.getProperties?.() ?? []).map((x) => ({ name: x.getName(), value: x.getValue() }));
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const df = DockerfileParser.parse(text);
  const globalArgs: ParsedDockerfile['globalArgs'] = [];
  const stages: Stage[] = [];
  let shell: string[] = [...DEFAULT_SHELL];
  for (const ins of df.getInstructions()) {
    const range = ins.getRange();
    const at: At = { line: range.start.line + 1, endLine: range.end.line + 1 };
    const keyword = ins.getKeyword();
    const content = ins.getArgumentsContent() ?? '';
    let parsed: Instruction;
    switch (keyword) {
      case 'FROM': {
        const from = ins as AstInstruction & {
          getImage(): string | null;
          getBuildStage(): string | null;
          getPlatformFlag(): { getValue(): string | null } | null;
        };
        parsed = {
          kind: 'FROM',
          ...at,
          image: from.getImage() ?? '',
          stageName: from.getBuildStage()?.toLowerCase() ?? undefined,
          platform: from.getPlatformFlag()?.getValue() ?? undefined,
        };
        shell = [...DEFAULT_SHELL];
        stages.push({ name: parsed.stageName, index: stages.length, instructions: [] });
        break;
      }
      case 'COPY':
      case 'ADD':
        parsed = copyOf(ins, at);
        break;
      case 'RUN':
        parsed = runOf(ins, at, shell, text);
        break;
      case 'WORKDIR':
        parsed = { kind: 'WORKDIR', ...at, dir: unquote(content.trim()) };
        break;
      case 'ENV':
        parsed = { kind: 'ENV', ...at, vars: Object.fromEntries(propertiesOf(ins).map((p) => [p.name, p.value ?? ''])) };
        break;
      case 'ARG':
        parsed = { kind: 'ARG', ...at, args: propertiesOf(ins).map((p) => ({ name: p.name, value: p.value ?? undefined })) };
        break;
      case 'USER':
        parsed = { kind: 'USER', ...at, user: content.trim() };
        break;
      case 'SHELL': {
        const argv = jsonArray(content);
        if (!argv || argv.length === 0)
          throw invalidInput(`Dockerfile:${at.line}: SHELL needs a JSON array, e.g. SHELL ["/bin/bash", "-c"]`);
        parsed = { kind: 'SHELL', ...at, argv };
        shell = argv;
        break;
      }
      case 'CMD': {
        const argv = jsonArray(content);
        parsed = { kind: 'CMD', ...at, command: argv ? argv.join(' ') : content };
        break;
      }
      default:
        parsed = { kind: 'OTHER', ...at, keyword };
    }
    if (parsed.kind === 'ARG' && stages.length === 0) globalArgs.push(...parsed.args);
    stages.at(-1)?.instructions.push(parsed);
  }
  return { escape: df.getEscapeCharacter(), globalArgs, stages };
}

/** The stage the image is made of (the last, or `target`). */
export function targetStage(parsed: ParsedDockerfile, target?: string): Stage | undefined {
  if (target) return parsed.stages.find((s) => s.name === target.toLowerCase());
  return parsed.stages.at(-1);
}

/**
 * Docker's variable forms in instruction words: `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR:+word}` (the forms the
 * Dockerfile reference documents for ENV, ADD, COPY, WORKDIR, FROM, USER, ...), from ARG and ENV values so far.
 */
export function expandVars(s: string, vars: Readonly<Record<string, string>>): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, name: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const v = vars[(name ?? bare)!];
      if (op === '-') return v ? v : (word ?? '');
      if (op === '+') return v ? (word ?? '') : '';
      return v ?? '';
    },
  );
}

/**
 * What a RUN executes, as argv: exec form as written; shell form and heredoc input by the SHELL in effect; a
 * heredoc script by the SHELL, or written to a file and run by its own `#!` interpreter (as BuildKit does).
 */
export function runArgv(run: Extract<Instruction, { kind: 'RUN' }>): string[] {
  if (run.form === 'exec') return run.argv!;
  if (run.form === 'heredoc-script' && run.command.startsWith('#!')) {
    const script =
      'f=$(mktemp) && cat > "$f" <<\'EDGEPUSH_HEREDOC\'\n' +
      run.command +
      'EDGEPUSH_HEREDOC\nchmod +x "$f" && "$f"; rc=$?; rm -f "$f"; exit $rc';
    return ['/bin/sh', '-c', script];
  }
  return [...run.shell, run.command];
}

/**
 * The image the target stage starts from, following `FROM <stage>` to the first image that is not a stage, with
 * global ARGs (and the build args over their defaults) expanded; undefined for `scratch` or what stays unknown.
 */
export function baseImageOf(text: string, buildArgs: Readonly<Record<string, string>> = {}, target?: string): string | undefined {
  const parsed = parseDockerfile(text);
  const vars: Record<string, string> = {};
  for (const a of parsed.globalArgs) {
    const v = buildArgs[a.name] ?? (a.value !== undefined ? expandVars(a.value, vars) : undefined);
    if (v !== undefined) vars[a.name] = v;
  }
  let stage = targetStage(parsed, target);
  for (let hops = 0; stage && hops < parsed.stages.length; hops++) {
    const from = stage.instructions[0];
    if (from?.kind !== 'FROM') return undefined;
    const image = expandVars(from.image, vars);
    const parent = parsed.stages.find((s) => s.name === image.toLowerCase() && s.index < stage!.index);
    if (!parent) return image && image !== 'scratch' && !image.includes('$') ? image : undefined;
    stage = parent;
  }
  return undefined;
}
