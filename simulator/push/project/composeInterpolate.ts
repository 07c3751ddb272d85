// `${VAR}` interpolation in compose values, as compose-go (and so balena's parser) does it: `$VAR`, `${VAR}`,
// `${VAR:-default}` / `${VAR-default}` (unset or empty / unset), `${VAR:?message}` / `${VAR?message}` (an error),
// `${VAR:+alt}` / `${VAR+alt}`, nested expressions inside defaults, and `$$` for a literal `$`. Values come from
// the environment of the push and the project's `.env` file (the environment wins, as in compose). Keys are not
// interpolated, values of every kind are (x-* fields included).
import { invalidInput } from '../../shared/errors.js';

export interface InterpolationResult {
  value: unknown;
  /** Variables used without a value or a default: they became empty strings (compose warns the same way). */
  unset: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The index of the `}` that closes the `${` whose body starts at `from`. */
function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

export function interpolateString(s: string, vars: Record<string, string | undefined>, unset: Set<string>, where: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '{') {
      const end = closingBrace(s, i + 2);
      if (end < 0) throw invalidInput(`${where}: invalid interpolation format in '${s}' (no closing brace)`);
      out += expand(s.slice(i + 2, end), vars, unset, where, s);
      i = end;
      continue;
    }
    const m = NAME.exec(s.slice(i + 1));
    if (!m) {
      out += '$';
      continue;
    }
    const v = vars[m[0]];
    if (v === undefined) unset.add(m[0]);
    out += v ?? '';
    i += m[0].length;
  }
  return out;
}

function expand(body: string, vars: Record<string, string | undefined>, unset: Set<string>, where: string, whole: string): string {
  const m = NAME.exec(body);
  if (!m) throw invalidInput(`${where}: invalid interpolation format in '${whole}'`);
  const name = m[0];
  const rest = body.slice(name.length);
  const v = vars[name];
  if (rest === '') {
    if (v === undefined) unset.add(name);
    return v ?? '';
  }
  const op = /^(:?[-?+])/.exec(rest)?.[1];
  if (!op) throw invalidInput(`${where}: invalid interpolation format in '${whole}'`);
  const arg = () => interpolateString(rest.slice(op.length), vars, unset, where);
  const emptyCounts = op.startsWith(':');
  const missing = v === undefined || (emptyCounts && v === '');
  switch (op.slice(-1)) {
    case '-':
      return missing ? arg() : v!;
    case '+':
      return missing ? '' : arg();
    default: {
      if (!missing) return v!;
      const message = arg();
      throw invalidInput(`${where}: required variable ${name} is missing a value${message ? `: ${message}` : ''}`);
    }
  }
}

/** Interpolates every string value of a parsed compose document; `path` names where a value sits, for errors. */
export function interpolate(doc: unknown, vars: Record<string, string | undefined>, fileName: string): InterpolationResult {
  const unset = new Set<string>();
  const walk = (v: unknown, path: string): unknown => {
    if (typeof v === 'string') return interpolateString(v, vars, unset, `${fileName}: ${path || '(top level)'}`);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k)]));
    }
    return v;
  };
  const value = walk(doc, '');
  return { value, unset: [...unset].sort() };
}

/** A `.env` file as compose reads it: `KEY=VALUE` lines, `#` comments, optional `export `, quoted values. */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[m[1]!] = value;
  }
  return out;
}
