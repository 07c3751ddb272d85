// Compose's two spellings of a string map, `KEY: value` and `["KEY=value", "KEY"]`, as one record. A list item
// without `=` has the empty value; null becomes '', numbers and booleans their text (as docker compose does).

export function toStringMap(v: Record<string, string | number | boolean | null> | string[] | undefined): Record<string, string> {
  if (!v) return {};
  if (Array.isArray(v)) {
    const out: Record<string, string> = {};
    for (const item of v) {
      const eq = item.indexOf('=');
      if (eq < 0) out[item] = '';
      else out[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return out;
  }
  return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, val === null ? '' : String(val)]));
}
