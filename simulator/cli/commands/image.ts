// `edgepush image push IMAGE --registry URL` and `image delta FROM TO --registry URL`: images of the local
// engine into any OCI registry, and EdgePush deltas between them as OCI artifacts (subject = TO).
import Docker from 'dockerode';
import {
  UsageError,
  flag,
  memoryBudgetOpt,
  noExtraPositionals,
  positional,
  requiredOpt,
  stringOpt,
  type CliCommand,
  type ParsedArgs,
} from '../command.js';
import { imagesHeldInFiles } from '../../engine/imageDeltaFileOffThread.js';
import { RegistryClient } from '../../registry/registryClient.js';
import { isRegistryRef, parseImageRef, parseRegistryAddress } from '../../registry/reference.js';
import { pushImage } from '../../registry/imagePush.js';
import { ImageSpool, engineImage } from '../../registry/localImage.js';
import { endsOf, publishDelta } from '../../registry/publishDelta.js';
import { progressLine } from '../../shared/progress.js';
import { formatBytes } from '../../shared/units.js';
import { invalidInput } from '../../shared/errors.js';
import { splitTag } from '../../shared/imageRef.js';

const usage = `edgepush image push IMAGE --registry URL [--repository R] [--tag T] [--memory-budget SIZE] [--json]
edgepush image delta FROM TO --registry URL [--repository R] [--memory-budget SIZE] [--json]

  push    push IMAGE of the local engine (manifest, config, layers; blobs the registry has are skipped)
          to URL as R:T (default: IMAGE's own name and tag)
  delta   compute the EdgePush delta FROM -> TO (both images of the local engine; pushed first when missing)
          and push it as an OCI artifact whose subject is TO's manifest, found by the referrers API or its
          tag fallback (sha256-<TO digest>), and tagged delta-<FROM id>-<TO id>
  URL     http://HOST:PORT, or HOST:PORT (plain HTTP on loopback), https://HOST; user:pass@ for auth
  SIZE    what the engine may hold (default 256MB; at least 16MB): images larger together than half of it
          are exported to files, pushed a layer at a time and diffed within it`;

/** `myapp/main:v2` → repository `myapp/main`, tag `v2`; a registry reference keeps only its path. */
export function repoAndTag(image: string): { repository: string; tag: string } {
  if (isRegistryRef(image)) {
    const r = parseImageRef(image);
    return { repository: r.repository, tag: r.tag ?? 'latest' };
  }
  const [name, tag] = splitTag(image);
  const repository = name.toLowerCase();
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository))
    throw invalidInput(`'${image}' cannot name a repository; give --repository`);
  return { repository, tag };
}

async function run(args: ParsedArgs): Promise<number> {
  const sub = args.positionals[0];
  const memoryBudget = memoryBudgetOpt(args);
  const client = new RegistryClient(parseRegistryAddress(requiredOpt(args, 'registry')));
  const docker = new Docker();
  const progress = progressLine(process.stderr, flag(args, 'json') && !process.stderr.isTTY);
  switch (sub) {
    case 'push': {
      noExtraPositionals(args, 2);
      const image = positional(args, 1, 'IMAGE');
      const named = repoAndTag(image);
      const repository = stringOpt(args, 'repository') ?? named.repository;
      const tag = stringOpt(args, 'tag') ?? named.tag;
      await client.ping();
      progress.update(`exporting ${image}`);
      // A large image goes to a file (layers read by offset, compressed and uploaded one at a time), never whole
      // into memory; the spool folder is removed however the push ends.
      const spool = await ImageSpool.create();
      let r: Awaited<ReturnType<typeof pushImage>>;
      try {
        const archive = await spool.engineImage(docker, image, imagesHeldInFiles([(await engineImage(docker, image)).bytes], memoryBudget));
        r = await pushImage(client, repository, tag, archive, {
          workDir: spool.dir,
          onProgress: (phase, done, total) => progress.update(phase, done, total),
        });
      } finally {
        await spool.dispose();
      }
      const ref = `${client.address.host}/${repository}:${tag}`;
      progress.done();
      if (flag(args, 'json')) process.stdout.write(`${JSON.stringify({ ref, ...r })}\n`);
      else
        process.stdout.write(
          `${ref}@${r.manifestDigest}: ${r.blobsPushed} blob(s) pushed, ${r.blobsSkipped} already there (${formatBytes(r.bytesUploaded)} sent)\n`,
        );
      return 0;
    }
    case 'delta': {
      noExtraPositionals(args, 3);
      const [fromName, toName] = [positional(args, 1, 'FROM'), positional(args, 2, 'TO')];
      const fromNamed = repoAndTag(fromName);
      const toNamed = repoAndTag(toName);
      const repository = stringOpt(args, 'repository') ?? toNamed.repository;
      await client.ping();
      progress.update('exporting images');
      // Images larger together than half the engine's memory budget are exported to files, pushed a layer at a
      // time and diffed within the budget; the delta is uploaded from its file. Removed however it ends.
      const sizes = await Promise.all([fromName, toName].map(async (ref) => (await engineImage(docker, ref)).bytes));
      const large = imagesHeldInFiles(sizes, memoryBudget);
      const spool = await ImageSpool.create();
      let fromPushed: Awaited<ReturnType<typeof pushImage>>;
      let toPushed: typeof fromPushed;
      let d: Awaited<ReturnType<typeof publishDelta>>;
      try {
        const from = await spool.engineImage(docker, fromName, large);
        const to = await spool.engineImage(docker, toName, large);
        progress.update(`pushing ${fromName}`);
        const fromTag = fromNamed.tag === toNamed.tag ? `${fromNamed.tag}-base` : fromNamed.tag;
        fromPushed = await pushImage(client, repository, fromTag, from, { workDir: spool.dir });
        progress.update(`pushing ${toName}`);
        toPushed = await pushImage(client, repository, toNamed.tag, to, { workDir: spool.dir });
        progress.update('computing the delta');
        d = await publishDelta(
          client,
          repository,
          { image: from, ends: endsOf(fromPushed) },
          { image: to, pushed: toPushed },
          { workDir: spool.dir, memoryBudget },
        );
      } finally {
        await spool.dispose();
      }
      progress.done();
      const out = {
        repository: `${client.address.host}/${repository}`,
        from: fromPushed.manifestDigest,
        to: toPushed.manifestDigest,
        ...d,
      };
      if (flag(args, 'json')) process.stdout.write(`${JSON.stringify(out)}\n`);
      else
        process.stdout.write(
          `${out.repository}@${d.manifestDigest}${d.reused ? ' (already there)' : ''}: delta ${formatBytes(d.deltaBytes)} instead of a ${formatBytes(d.layerPullBytes)} layer pull; ` +
            `found by ${d.discovery === 'referrers' ? 'the referrers API' : `the tag fallback ${toPushed.manifestDigest.replace(':', '-').slice(0, 19)}…`} and by tag ${d.tag}\n`,
        );
      return 0;
    }
    case undefined:
      throw new UsageError('missing subcommand (push or delta)');
    default:
      throw new UsageError(`unknown subcommand '${sub}' (expected push or delta)`);
  }
}

export const imageCommand: CliCommand = {
  usage,
  options: {
    registry: { type: 'string' },
    repository: { type: 'string' },
    tag: { type: 'string' },
    'memory-budget': { type: 'string' },
    json: { type: 'boolean' },
  },
  run,
};
