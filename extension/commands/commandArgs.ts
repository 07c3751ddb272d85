// What a command was run on: a tree node (device or service), an address string, or nothing. No `vscode` import.

export function addressFromArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg || undefined;
  if (arg && typeof arg === 'object' && 'address' in arg) {
    const a = (arg as { address?: unknown }).address;
    return typeof a === 'string' && a ? a : undefined;
  }
  return undefined;
}

export function serviceFromArg(arg: unknown): string | undefined {
  if (arg && typeof arg === 'object' && 'service' in arg) {
    const s = (arg as { service?: unknown }).service;
    return typeof s === 'string' && s ? s : undefined;
  }
  return undefined;
}
