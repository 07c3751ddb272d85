// A shell (or one command) in a running service, through the device's engine `exec`, as `balena ssh ADDR
// SERVICE` opens one in local mode: a TTY with resize for people, plain stdin/stdout/stderr for pipes. The CLI
// (`edgepush ssh`) and the extension's terminal both use it.
import { PassThrough, type Duplex } from 'node:stream';
import type { DeviceClient } from './deviceClient.js';
import { messageOf, notFound, unavailable } from '../shared/errors.js';

/** balena's choice: bash where the image has it, else sh. */
export const DEFAULT_SHELL = ['/bin/sh', '-c', 'if [ -x /bin/bash ]; then exec /bin/bash; else exec /bin/sh; fi'];

export interface ShellOptions {
  /** The command (argv) to run instead of a login shell. */
  command?: string[];
  /** A terminal (raw bytes, resizable, stdout and stderr merged) rather than separate streams. */
  tty: boolean;
  cols?: number;
  rows?: number;
  /** Extra environment (`K=V`); TERM is set for a TTY. */
  env?: string[];
}

export interface ShellSession {
  containerId: string;
  /** What the command writes (for a TTY, everything). */
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Bytes to the command's stdin. */
  write(data: string | Buffer): void;
  /** Ends the command's stdin (EOF). */
  endInput(): void;
  resize(cols: number, rows: number): Promise<void>;
  /** The command's exit code once it ended (null when the engine did not say). */
  exited: Promise<number | null>;
  close(): void;
}

export async function openServiceShell(client: DeviceClient, service: string, o: ShellOptions): Promise<ShellSession> {
  let containerId: string;
  try {
    containerId = await client.containerId(service);
  } catch {
    const known = await client.containerIds().catch(() => ({}));
    const names = Object.keys(known);
    throw notFound(`${client.host} runs no container for service '${service}'${names.length ? ` (services: ${names.join(', ')})` : ''}`);
  }
  const docker = client.engine();
  const container = docker.getContainer(containerId);
  let exec;
  try {
    exec = await container.exec({
      Cmd: o.command?.length ? o.command : DEFAULT_SHELL,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: o.tty,
      Env: [...(o.tty ? ['TERM=xterm-256color'] : []), ...(o.env ?? [])],
    });
  } catch (err) {
    throw unavailable(`the engine of ${client.host} (port ${client.enginePort}) refused the exec: ${messageOf(err)}`, err);
  }
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: o.tty })) as Duplex;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  if (o.tty) stream.pipe(stdout);
  else {
    docker.modem.demuxStream(stream, stdout, stderr);
    stream.on('end', () => {
      stdout.end();
      stderr.end();
    });
  }
  const resize = async (cols: number, rows: number) => {
    if (!o.tty || cols <= 0 || rows <= 0) return;
    await exec.resize({ w: Math.floor(cols), h: Math.floor(rows) }).catch(() => undefined);
  };
  if (o.cols && o.rows) await resize(o.cols, o.rows);
  const exited = new Promise<number | null>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      exec.inspect().then(
        (i) => resolve(typeof i.ExitCode === 'number' ? i.ExitCode : null),
        () => resolve(null),
      );
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
  return {
    containerId,
    stdout,
    stderr,
    write: (data) => void stream.write(data),
    endInput: () => {
      // A hijacked socket: half-close so the command sees EOF and the output still comes back.
      (stream as Duplex & { end(): void }).end();
    },
    resize,
    exited,
    close: () => stream.destroy(),
  };
}
