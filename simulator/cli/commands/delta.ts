// `edgepush delta create|apply|report`: the embedded engine's codec on files, and the per-image report
// (images as `docker save` archives or as refs in the local Docker engine).
import { UsageError, memoryBudgetOpt, noExtraPositionals, positional, requiredOpt, type CliCommand, type ParsedArgs } from '../command.js';
import { applyDeltaFile, createDeltaFile } from '../../engine/byteDeltaFiles.js';
import { removePendingTempFiles } from '../../engine/atomicFile.js';
import { progressLine } from '../../shared/progress.js';
import { formatBytes } from '../../shared/units.js';

const usage = `edgepush delta create OLD NEW -o OUT [--memory-budget SIZE] | delta apply OLD DELTA -o OUT | delta report --from IMAGE --to IMAGE [--json]

  create OLD NEW -o OUT     write a binary delta that turns file OLD into file NEW (tar-aware); files larger together
                            than half of --memory-budget (default 256MB, at least 16MB) are diffed through a window
                            that fits it, and apply then needs about as much
  apply OLD DELTA -o OUT    rebuild NEW from OLD and DELTA; OUT is written only when its digest checks out
  report --from A --to B    what updating image A to B sends: full, layer pull, librsync method, EdgePush
                            delta (IMAGE: a docker save archive, or an image in the local engine)`;

/** Ctrl-C or a TERM while writing: the unfinished output (hidden temp file) goes, then the usual exit code. */
async function removingTempsOnSignal<T>(work: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    removePendingTempFiles();
    process.stderr.write(`\nedgepush delta: stopped (${signal}); nothing written\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function run(args: ParsedArgs): Promise<number> {
  const sub = args.positionals[0];
  const progress = progressLine();
  switch (sub) {
    case 'create': {
      noExtraPositionals(args, 3);
      const [oldPath, newPath, out] = [positional(args, 1, 'OLD'), positional(args, 2, 'NEW'), requiredOpt(args, 'output')];
      progress.update('creating delta');
      const r = await removingTempsOnSignal(() =>
        createDeltaFile(oldPath, newPath, out, {
          memoryBudget: memoryBudgetOpt(args),
          onProgress: (done, total) => progress.update('creating delta', done, total),
        }),
      );
      progress.done(`${out}: ${formatBytes(r.bytes)} delta for ${formatBytes(r.header.newSize)}`);
      return 0;
    }
    case 'apply': {
      noExtraPositionals(args, 3);
      const [oldPath, deltaPath, out] = [positional(args, 1, 'OLD'), positional(args, 2, 'DELTA'), requiredOpt(args, 'output')];
      progress.update('applying delta');
      const r = await removingTempsOnSignal(() =>
        applyDeltaFile(oldPath, deltaPath, out, (done, total) => progress.update('applying delta', done, total)),
      );
      progress.done(`${out}: ${formatBytes(r.bytes)} written and verified`);
      return 0;
    }
    case 'report': {
      noExtraPositionals(args, 1);
      // the Docker client and the image layer of the engine come with the heavy commands' bundle
      const { runDeltaReport } = await import('../heavyCommands.js');
      return runDeltaReport(args, progress);
    }
    case undefined:
      throw new UsageError('missing subcommand (create, apply or report)');
    default:
      throw new UsageError(`unknown subcommand '${sub}' (expected create, apply or report)`);
  }
}

export const deltaCommand: CliCommand = {
  usage,
  options: {
    output: { type: 'string', short: 'o' },
    from: { type: 'string' },
    to: { type: 'string' },
    'memory-budget': { type: 'string' },
    json: { type: 'boolean' },
  },
  run,
};
