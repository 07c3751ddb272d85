// A stable colour per service name, from the terminal's ANSI palette so it follows the theme. Pure.
export const SERVICE_COLORS = [
  'var(--vscode-terminal-ansiCyan)',
  'var(--vscode-terminal-ansiMagenta)',
  'var(--vscode-terminal-ansiGreen)',
  'var(--vscode-terminal-ansiYellow)',
  'var(--vscode-terminal-ansiBlue)',
  'var(--vscode-terminal-ansiBrightMagenta)',
  'var(--vscode-terminal-ansiBrightCyan)',
  'var(--vscode-terminal-ansiBrightGreen)',
];

/** The same name always gets the same slot (FNV-1a hash), whatever order services first appear in. */
export function serviceColorIndex(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % SERVICE_COLORS.length;
}

export function serviceColor(name: string): string {
  return SERVICE_COLORS[serviceColorIndex(name)]!;
}
