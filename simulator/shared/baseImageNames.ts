// Names of EdgePush's local base images per architecture (made by device/archBaseImages.ts). A Dockerfile names
// `edgepush-base/%%BALENA_ARCH%%-busybox` (a template), `edgepush-base/aarch64-node`, or the plain
// `edgepush-base/busybox` / `edgepush-base/node`, which resolve to the device's own architecture.

export const BASE_KINDS = ['busybox', 'node'] as const;
export type BaseKind = (typeof BASE_KINDS)[number];

/** `edgepush-base/aarch64-busybox:latest` */
export function archBaseImage(arch: string, kind: BaseKind): string {
  return `edgepush-base/${arch}-${kind}:latest`;
}

const BASE_RE = /^(?:docker\.io\/)?edgepush-base\/(?:([a-z0-9]+)-)?(busybox|node)(?::latest)?$/;

/** Which base image a reference names, with the arch it is for (plain names: defaultArch); undefined when it
 *  is not one of ours. */
export function parseBaseImage(ref: string, defaultArch: string): { arch: string; kind: BaseKind; name: string } | undefined {
  const m = BASE_RE.exec(ref);
  if (!m) return undefined;
  const arch = m[1] ?? defaultArch;
  const kind = m[2] as BaseKind;
  return { arch, kind, name: archBaseImage(arch, kind) };
}

/**
 * The plain base names in FROM lines, rewritten to the arch's own (`FROM edgepush-base/busybox` →
 * `FROM edgepush-base/aarch64-busybox:latest`) for a device that is not amd64 (on amd64 the plain images are the
 * amd64 ones). Line count kept.
 */
export function archBaseNames(dockerfile: string, arch: string): string {
  if (arch === 'amd64') return dockerfile;
  return dockerfile
    .split('\n')
    .map((line) =>
      line.replace(
        /^(\s*FROM\s+(?:--platform=\S+\s+)?)((?:docker\.io\/)?edgepush-base\/(?:busybox|node)(?::latest)?)(?=\s|$)/i,
        (_all, head: string, ref: string) => {
          const base = parseBaseImage(ref, arch);
          return `${head}${base ? base.name : ref}`;
        },
      ),
    )
    .join('\n');
}

/** The EdgePush base images a Dockerfile's FROM lines name (after archBaseNames). */
export function baseImagesNamed(dockerfile: string, arch: string): { arch: string; kind: BaseKind; name: string }[] {
  const out = new Map<string, { arch: string; kind: BaseKind; name: string }>();
  for (const m of dockerfile.matchAll(/^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)/gim)) {
    const base = parseBaseImage(m[1]!, arch);
    if (base) out.set(base.name, base);
  }
  return [...out.values()];
}
