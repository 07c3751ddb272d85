// Image references as Docker reads them: the tag is what follows the last ':' after the last '/' (so a registry
// port, `host:5000/app`, is not a tag), and a reference without one means `:latest`.

/** `repo:tag` → [repo, tag]; [ref, 'latest'] when it has no tag. */
export function splitTag(ref: string): [string, string] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}

/** A reference that names a tag or a digest (`app:1`, `app@sha256:…`; `host:5000/app` names neither). */
export function hasTagOrDigest(ref: string): boolean {
  return ref.lastIndexOf(':') > ref.lastIndexOf('/') || ref.includes('@');
}

/** `edgepush-base/busybox` → `edgepush-base/busybox:latest`; a reference with a tag or a digest is kept. */
export function withTag(ref: string): string {
  return hasTagOrDigest(ref) ? ref : `${ref}:latest`;
}
