// The live-mode directives (`#dev-cmd-live=`, `#dev-run=`, `#dev-copy=`, `#dev-env=`), which become real
// instructions in the image a live push builds (as balena's livepush does). Parsing the Dockerfile itself is
// project/dockerfileParse.ts (dockerfile-ast); `finalStage` is its short form for the image's own stage.
import { parseDockerfile, targetStage, type Instruction } from '../project/dockerfileParse.js';

/** The instructions of the final stage (where the running container's files come from), its FROM first. */
export function finalStage(text: string): Instruction[] {
  return targetStage(parseDockerfile(text))?.instructions ?? [];
}

/**
 * The Dockerfile a live push builds: each directive replaced by its instruction where it stands
 * (`#dev-run=X` → `RUN X`, `#dev-copy=X` → `COPY X`, `#dev-env=X` → `ENV X`), and `#dev-cmd-live=X` as the final
 * `CMD X`. Without directives the text is unchanged.
 */
export function liveDockerfile(text: string): string {
  let liveCmd: string | undefined;
  const lines = text.split(/\r?\n/).map((l) => {
    const m = /^\s*#\s*dev-(cmd-live|run|copy|env)=(.*)$/.exec(l);
    if (!m) return l;
    const [, kind, value] = m;
    if (kind === 'cmd-live') {
      liveCmd = value!.trim();
      return l;
    }
    return `${kind === 'run' ? 'RUN' : kind === 'copy' ? 'COPY' : 'ENV'} ${value!.trim()}`;
  });
  if (liveCmd !== undefined) lines.push(`CMD ${liveCmd}`);
  return lines.join('\n');
}
