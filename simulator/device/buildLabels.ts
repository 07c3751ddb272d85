// A build's labels folded into one instruction of its Dockerfile. The classic builder (Docker 20.10's, which a QEMU
// board runs, and balenaEngine's) turns every label of the `labels` query into a LABEL step of its own, each a
// container create and an image commit: a push's three labels (io.resin.local.image, io.resin.local.service and
// the device's own) cost three commits, 1.5-3 s each under TCG. Folded into one LABEL line appended to the
// Dockerfile they cost one, and the image gets the same labels, applied last as the engine applies them.
// Only where that is sure to mean the same: the classic builder, the Dockerfile named, no `target` (the labels go
// to the last stage), plain values (no quote, backslash, `$` or control character), and a plain tar context
// (the proxy looks at its first bytes). Anything else is left as sent.

/** No quote, backslash, `$` (expanded in LABEL), backtick (an escape character) or control character. */
const plain = (s: string) => !/["\\$`]/.test(s) && [...s].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);

/** The labels of a build query to fold into its Dockerfile, or undefined when the build goes as sent. */
export function labelsToFold(q: URLSearchParams): Record<string, string> | undefined {
  if (q.get('version') === '2' || q.get('target') || !q.get('dockerfile') || q.get('remote')) return undefined;
  let labels: unknown;
  try {
    labels = JSON.parse(q.get('labels') ?? '{}');
  } catch {
    return undefined;
  }
  if (!labels || typeof labels !== 'object' || Array.isArray(labels)) return undefined;
  const entries = Object.entries(labels as Record<string, unknown>);
  if (entries.length < 2) return undefined; // one label is one step either way
  for (const [k, v] of entries) if (typeof v !== 'string' || k === '' || !plain(k) || !plain(v)) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}

/** True when the first bytes of a build context are a plain (uncompressed) tar archive. */
export function isPlainTar(head: Buffer): boolean {
  return head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar';
}

/** The escape character of a Dockerfile (`# escape=` parser directive, else a backslash). */
function escapeCharOf(lines: string[]): string {
  for (const line of lines) {
    const m = /^#\s*([a-z]+)\s*=\s*(\S*)\s*$/i.exec(line);
    if (!m) break; // directives come first, before any other line
    if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) return m[2];
  }
  return '\\';
}

/**
 * The Dockerfile with one `LABEL "k"="v" ...` line appended (sorted keys, as the engine orders them). A last
 * instruction left open by an escape at the very end of the file (which the engine closes at EOF) is closed
 * first, so the new line cannot join it.
 */
export function withLabels(text: string, labels: Readonly<Record<string, string>>): string {
  const lines = text.split('\n');
  const escape = escapeCharOf(lines);
  let last = lines.length - 1;
  while (last >= 0 && (lines[last]!.trim() === '' || lines[last]!.trimStart().startsWith('#'))) last--;
  if (last >= 0) {
    const l = lines[last]!.replace(/\s+$/, '');
    if (l.endsWith(escape)) lines[last] = l.slice(0, -1);
  }
  const body = lines.join('\n');
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `"${k}"="${labels[k]}"`)
    .join(' ');
  return `${body}${body.endsWith('\n') || body === '' ? '' : '\n'}LABEL ${pairs}\n`;
}
