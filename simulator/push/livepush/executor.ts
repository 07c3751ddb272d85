// Carries out livepush steps on a running container through the device's engine (:2375): files as a tar
// into `PUT /containers/{id}/archive?path=/`, deletions and RUN steps by exec (the RUN's own argv: its SHELL for
// the shell form, as is for the exec form; with its WORKDIR, ENV and USER), then kill + start.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { tarToBuffer } from '../../shared/tarBuffer.js';
import { cancelled, unavailable } from '../../shared/errors.js';
import { LineSplitter } from '../../shared/lineStream.js';
import type { CopiedFile, LiveStep } from './plan.js';

export interface ExecResult {
  copied: number;
  deleted: number;
  commands: string[];
  restarted: boolean;
}

function tarFiles(contextDir: string, files: readonly CopiedFile[]): Promise<Buffer> {
  return tarToBuffer(async (p) => {
    for (const f of files) {
      const abs = join(contextDir, f.from);
      const [body, st] = await Promise.all([readFile(abs), stat(abs)]);
      // Owner and mode as the COPY gave them (`--chown`, `--chmod`); root and the file's own mode otherwise.
      p.entry(
        {
          name: f.to.replace(/^\/+/, ''),
          mode: f.mode ?? st.mode & 0o7777,
          uid: f.uid ?? 0,
          gid: f.gid ?? 0,
          mtime: st.mtime,
          size: body.length,
        },
        body,
      );
    }
  });
}

export async function execIn(
  docker: Docker,
  containerId: string,
  cmd: string[],
  o: { workdir?: string; env?: Record<string, string>; user?: string; onLine?: (line: string) => void },
): Promise<number> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    ...(o.workdir ? { WorkingDir: o.workdir } : {}),
    ...(o.user ? { User: o.user } : {}),
    ...(o.env ? { Env: Object.entries(o.env).map(([k, v]) => `${k}=${v}`) } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const splitter = new LineSplitter();
  out.on('data', (c: Buffer) => {
    for (const l of splitter.push(c)) o.onLine?.(l);
  });
  docker.modem.demuxStream(stream, out, out);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
  for (const l of splitter.flush()) o.onLine?.(l);
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode ?? 0;
    await new Promise((r) => setTimeout(r, 20));
  }
  return (await exec.inspect()).ExitCode ?? 0;
}

export async function executeSteps(
  docker: Docker,
  containerId: string,
  contextDir: string,
  steps: readonly LiveStep[],
  o: { signal?: AbortSignal; onLine?: (line: string) => void } = {},
): Promise<ExecResult> {
  const container = docker.getContainer(containerId);
  const result: ExecResult = { copied: 0, deleted: 0, commands: [], restarted: false };
  const needsExec = steps.some((s) => s.kind === 'delete' || s.kind === 'run');
  if (needsExec) {
    const state = (await container.inspect()).State;
    // Exec needs a running container: one that exited (a crash after a bad edit) is started first.
    if (!state.Running) await container.start().catch(() => undefined);
  }
  for (const step of steps) {
    if (o.signal?.aborted) throw cancelled();
    switch (step.kind) {
      case 'copy':
        // copyUIDGID: the tar's owners are kept (root, or the COPY's --chown), not reset to the container's root.
        await container.putArchive(await tarFiles(contextDir, step.files), { path: '/', copyUIDGID: '1' } as { path: string });
        result.copied += step.files.length;
        break;
      case 'delete': {
        const code = await execIn(docker, containerId, ['rm', '-rf', '--', ...step.paths], { onLine: o.onLine });
        if (code !== 0) throw unavailable(`removing ${step.paths.join(', ')} in the container failed (exit ${code})`);
        result.deleted += step.paths.length;
        break;
      }
      case 'run': {
        const code = await execIn(docker, containerId, step.argv, {
          workdir: step.workdir,
          env: step.env,
          user: step.user,
          onLine: o.onLine,
        });
        result.commands.push(step.command);
        if (code !== 0) throw unavailable(`RUN ${step.command} failed in the container (exit ${code})`);
        break;
      }
      case 'restart':
        await container.kill().catch(() => undefined);
        await container.start().catch(async (err: unknown) => {
          // 304: already started again by its restart policy.
          const info = await container.inspect();
          if (!info.State.Running) throw err;
        });
        result.restarted = true;
        break;
    }
  }
  return result;
}
