// Dockerfile instructions as livepush needs them: the final stage's COPY/ADD (what lands where), RUN, WORKDIR,
// ENV and CMD, and the live-mode directives (`#dev-cmd-live=`, `#dev-run=`, `#dev-copy=`, `#dev-env=`), which
// become real instructions in the image a live push builds (as balena's livepush does).

export type Instruction =
  | { kind: 'FROM'; image: string; line: number }
  | { kind: 'COPY'; sources: string[]; dest: string; fromStage: boolean; line: number }
  | { kind: 'RUN'; command: string; line: number }
  | { kind: 'WORKDIR'; dir: string; line: number }
  | { kind: 'ENV'; vars: Record<string, string>; line: number }
  | { kind: 'CMD'; command: string; line: number }
  | { kind: 'ARG'; name: string; value?: string; line: number }
  | { kind: 'OTHER'; keyword: string; line: number };

/** Logical lines: continuations (`\` at end of line) joined, blank lines and comments dropped (directives kept). */
export function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  const raw = text.split(/\r?\n/);
  let acc = '';
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i]!;
    const trimmed = l.trim();
    if (!acc && (trimmed === '' || (trimmed.startsWith('#') && !/^#\s*dev-(cmd-live|run|copy|env)=/.test(trimmed)))) continue;
    if (acc && trimmed.startsWith('#')) continue; // comments inside a continued instruction
    if (!acc) start = i + 1;
    if (trimmed.endsWith('\\') && !trimmed.startsWith('#')) {
      acc += `${trimmed.slice(0, -1).trimEnd()} `;
      continue;
    }
    acc += trimmed;
    out.push({ text: acc.trim(), line: start });
    acc = '';
  }
  if (acc) out.push({ text: acc.trim(), line: start });
  return out;
}

function jsonArray(s: string): string[] | undefined {
  if (!s.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

function splitWords(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}

function parseEnv(rest: string): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!rest.includes('=')) {
    const [k, ...v] = splitWords(rest);
    if (k) vars[k] = v.join(' ');
    return vars;
  }
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of rest.matchAll(re)) {
    let v = m[2]!;
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    vars[m[1]!] = v;
  }
  return vars;
}

export function parseInstruction(text: string, line: number): Instruction {
  const m = /^(\S+)\s*(.*)$/s.exec(text)!;
  const keyword = m[1]!.toUpperCase();
  const rest = m[2]!.trim();
  switch (keyword) {
    case 'FROM':
      return { kind: 'FROM', image: splitWords(rest)[0] ?? '', line };
    case 'COPY':
    case 'ADD': {
      const words = jsonArray(rest) ?? splitWords(rest);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--')).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'));
      const dest = paths.pop() ?? '.';
      return { kind: 'COPY', sources: paths, dest, fromStage: flags.some((f) => f.startsWith('--from')), line };
    }
    case 'RUN': {
      const arr = jsonArray(rest);
      return { kind: 'RUN', command: arr ? arr.join(' ') : rest, line };
    }
    case 'WORKDIR':
      return { kind: 'WORKDIR', dir: rest, line };
    case 'ENV':
      return { kind: 'ENV', vars: parseEnv(rest), line };
    case 'ARG': {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(rest);
      if (!m) return { kind: 'OTHER', keyword, line };
      const v = m[2]?.replace(/^(["'])(.*)\1$/s, '$2');
      return { kind: 'ARG', name: m[1]!, value: v, line };
    }
    case 'CMD': {
      const arr = jsonArray(rest);
      return { kind: 'CMD', command: arr ? arr.join(' ') : rest, line };
    }
    default:
      return { kind: 'OTHER', keyword, line };
  }
}

/** `$VAR` and `${VAR}` (with `:-`/`:+` forms) in a path, from the stage's ARG defaults and ENV so far. */
export function expandVars(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
    const v = vars[(name ?? bare)!];
    if (op === '-') return v ? v : (word ?? '');
    if (op === '+') return v ? (word ?? '') : '';
    return v ?? '';
  });
}

/** The instructions of the final stage (where the running container's files come from). */
export function finalStage(text: string): Instruction[] {
  const all = logicalLines(text)
    .filter((l) => !l.text.startsWith('#'))
    .map((l) => parseInstruction(l.text, l.line));
  let from = 0;
  all.forEach((ins, i) => {
    if (ins.kind === 'FROM') from = i;
  });
  return all.slice(from);
}

/**
 * The Dockerfile a live push builds: each directive replaced by its instruction where it stands
 * (`#dev-run=X` → `RUN X`, `#dev-copy=X` → `COPY X`, `#dev-env=X` → `ENV X`), and `#dev-cmd-live=X` as the final
 * `CMD X`. Without directives the text is unchanged.
 */
export function liveDockerfile(text: string): string {
  let liveCmd: string | undefined;
  const lines = text.split(/\r?\n/).map((l) => {
    const m = /^\s*#\s*dev-(cmd-live|run|copy|env)=(.*)$/.exec(l);
    if (!m) return l;
    const [, kind, value] = m;
    if (kind === 'cmd-live') {
      liveCmd = value!.trim();
      return l;
    }
    return `${kind === 'run' ? 'RUN' : kind === 'copy' ? 'COPY' : 'ENV'} ${value!.trim()}`;
  });
  if (liveCmd !== undefined) lines.push(`CMD ${liveCmd}`);
  return lines.join('\n');
}

export function hasLiveDirectives(text: string): boolean {
  return /^\s*#\s*dev-(cmd-live|run|copy|env)=/m.test(text);
}
