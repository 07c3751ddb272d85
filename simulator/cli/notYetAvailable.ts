// Until a subcommand's issue lands it says so plainly and fails, rather than pretending to work.
export function notYetAvailable(what: string, issue: number): Promise<number> {
  process.stderr.write(`edgepush: ${what} is not yet available (tracked in issue #${issue})\n`);
  return Promise.resolve(1);
}
