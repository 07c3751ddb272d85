// The Dockerfile as sent to an engine. Two rewrites, each only where needed, line numbers kept (a rewritten
// instruction is padded with blank lines to its old height, so the engine's errors point at the user's lines):
// - heredoc RUNs (`RUN <<EOF ... EOF`) become the exec form of the same script under the SHELL in effect:
//   balenaEngine and Docker 20.10 (the engines of balenaOS devices and of Debian) parse no heredocs, with either
//   builder;
// - with build secrets, every RUN of every stage gets a read-only bind mount of the secrets image at
//   /run/secrets (BuildKit), the way balena's builder mounts its secrets volume into every RUN: there during
//   the build, in no layer of the image.
import { invalidInput } from '../../shared/errors.js';
import { parseDockerfile, runArgv, type Instruction } from '../project/dockerfileParse.js';

export const SECRETS_DIR = '/run/secrets';

export interface EngineDockerfileOptions {
  /** Image holding the secret files under /run/secrets (see buildSecrets.ts). */
  secretsImage?: string;
}

export interface EngineDockerfile {
  text: string;
  /** Lines of the heredoc RUNs that were rewritten. */
  loweredHeredocs: number[];
}

type Run = Extract<Instruction, { kind: 'RUN' }>;

function rewrittenRun(run: Run, o: EngineDockerfileOptions): string | undefined {
  const heredoc = run.form === 'heredoc-script' || run.form === 'heredoc-input';
  if (!heredoc && !o.secretsImage) return undefined;
  const mount = o.secretsImage ? `--mount=type=bind,from=${o.secretsImage},source=${SECRETS_DIR},target=${SECRETS_DIR} ` : '';
  const flags = run.flagsText ? `${run.flagsText} ` : '';
  // `<` as \u003c: the script's own `<<EOF` must not read as a heredoc to a parser that looks into JSON strings.
  if (heredoc) return `RUN ${mount}${flags}${JSON.stringify(runArgv(run)).replace(/</g, '\\u003c')}`;
  return undefined; // a plain RUN only gets the mount, inserted in place below
}

export function engineDockerfile(text: string, o: EngineDockerfileOptions = {}): EngineDockerfile {
  const parsed = parseDockerfile(text);
  const lines = text.split('\n');
  const loweredHeredocs: number[] = [];
  const runs = parsed.stages.flatMap((s) => s.instructions).filter((i): i is Run => i.kind === 'RUN');
  const copyHeredoc = parsed.stages.flatMap((s) => s.instructions).find((i) => i.kind === 'COPY' && i.heredoc);
  if (copyHeredoc) {
    throw invalidInput(
      `Dockerfile line ${copyHeredoc.line}: ${copyHeredoc.kind === 'COPY' ? copyHeredoc.keyword : 'COPY'} <<EOF (a heredoc file) needs BuildKit's Dockerfile 1.4 syntax, which balena's builder and Docker 20.10 do not have; put the content in a file of the build context`,
    );
  }
  // Bottom up, so the line numbers of the instructions still to do stay valid.
  for (const run of [...runs].sort((a, b) => b.line - a.line)) {
    const whole = rewrittenRun(run, o);
    if (whole !== undefined) {
      const height = run.endLine - run.line + 1;
      lines.splice(run.line - 1, height, whole, ...Array<string>(height - 1).fill(''));
      loweredHeredocs.unshift(run.line);
      continue;
    }
    if (o.secretsImage) {
      const first = lines[run.line - 1]!;
      const at = /^\s*RUN\b/i.exec(first);
      if (!at) throw invalidInput(`Dockerfile line ${run.line}: RUN not where the parser put it`);
      lines[run.line - 1] =
        `${first.slice(0, at[0].length)} --mount=type=bind,from=${o.secretsImage},source=${SECRETS_DIR},target=${SECRETS_DIR}${first.slice(at[0].length)}`;
    }
  }
  let out = lines.join('\n');
  // A `# syntax=` directive makes BuildKit pull that frontend image; the engine's own frontend is what the
  // classic build of the same project uses, and works offline.
  if (o.secretsImage) out = out.replace(/^(\s*#\s*)syntax(\s*=)/im, '$1edgepush-ignored-syntax$2');
  return { text: out, loweredHeredocs };
}
