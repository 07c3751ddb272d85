// Build secrets (`.balena/balena.yml` build-secrets) during one build only. balena writes them to a folder on
// the device and mounts it into every RUN with balenaEngine's `volumes` build option, which a stock Docker
// engine does not have. What every engine here has (Docker 20.10 on this machine, behind the simulated device's
// endpoint and in a QEMU board, and balenaEngine) is BuildKit's `RUN --mount=type=bind,from=<image>`: the
// secret files are imported as a one-layer image (`POST /images/create?fromSrc=-`, no build, no base image), every
// RUN mounts it read-only at /run/secrets, and the image is removed when the build ends. A bind mount is never
// part of a layer, so the built image holds no secret (the integration test looks in every layer).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { tarToBuffer } from '../../shared/tarBuffer.js';
import { messageOf, unavailable } from '../../shared/errors.js';
import type { BuildSecret } from '../project/balenaYml.js';
import { SECRETS_DIR } from './engineDockerfile.js';

export const SECRETS_REPO = 'edgepush-build-secrets';

async function secretsTar(secrets: readonly BuildSecret[]): Promise<Buffer> {
  const files = await Promise.all(
    secrets.map(async (s) => ({ name: posix.join(SECRETS_DIR, s.dest).slice(1), body: await readFile(s.file) })),
  );
  return tarToBuffer(async (p) => {
    const dirs = new Set<string>();
    for (const f of files) {
      // Parent folders first, so the layer's tree is complete.
      const parts = f.name.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) {
        const d = parts.slice(0, i).join('/');
        if (!dirs.has(d)) {
          dirs.add(d);
          p.entry({ name: `${d}/`, type: 'directory', mode: 0o755 });
        }
      }
      // World-readable like the files balena writes, so a RUN under a non-root USER can read them too.
      p.entry({ name: f.name, mode: 0o644, size: f.body.length }, f.body);
    }
  });
}

async function importImage(docker: Docker, tar: Buffer, repo: string, tag: string): Promise<void> {
  const stream = (await docker.importImage(Readable.from([tar]), { repo, tag } as never)) as unknown as Readable;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = err ?? (out.find((o) => o.error) ? new Error(out.find((o) => o.error)!.error) : null);
      if (failed) reject(failed);
      else resolve();
    });
  });
}

/** A fresh name for one build's secrets image (`edgepush-build-secrets:<service>-<random>`). */
export function secretsImageName(service: string): string {
  return `${SECRETS_REPO}:${service.toLowerCase().replace(/[^a-z0-9_.-]/g, '-')}-${randomBytes(6).toString('hex')}`;
}

/**
 * Runs `build` with `image` (from secretsImageName) holding `secrets` under /run/secrets on `docker`, and removes
 * that image afterwards, whether the build succeeded or not.
 */
export async function withSecretsImage<T>(
  docker: Docker,
  image: string,
  service: string,
  secrets: readonly BuildSecret[],
  build: () => Promise<T>,
): Promise<T> {
  const tag = image.slice(SECRETS_REPO.length + 1);
  try {
    await importImage(docker, await secretsTar(secrets), SECRETS_REPO, tag);
  } catch (err) {
    throw unavailable(`service '${service}': could not hand the build secrets to the engine: ${messageOf(err)}`, err);
  }
  try {
    return await build();
  } finally {
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  }
}
