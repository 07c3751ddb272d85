// `edgepush ssh ADDR [SERVICE]`, as `balena ssh` works in local mode: with a service, a shell in its container
// through the device's engine (`exec`, a TTY with resize on a terminal, plain pipes otherwise); without one, the
// host OS over SSH on port 22222, where the device has an SSH server (a balenaOS development device does; a
// simulated device has no host OS of its own, and says so).
import { spawn, spawnSync } from 'node:child_process';
import { noExtraPositionals, positional, stringOpt, type CliCommand } from '../command.js';
import { deviceAccessOf, deviceAccessOptions, deviceAccessUsage } from '../deviceAccessFlags.js';
import { connectDevice } from '../../push/connect.js';
import type { DeviceClient } from '../../push/deviceClient.js';
import { exitCodeOf } from '../../push/pushFailure.js';
import { openServiceShell } from '../../push/serviceShell.js';
import { HOST_SSH_PORT, sshAnswers } from '../../push/sshProbe.js';
import { messageOf } from '../../shared/errors.js';

async function serviceShell(client: DeviceClient, service: string, command: string | undefined): Promise<number> {
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY) && command === undefined;
  const session = await openServiceShell(client, service, {
    tty,
    command: command !== undefined ? ['/bin/sh', '-c', command] : undefined,
    cols: process.stdout.columns,
    rows: process.stdout.rows,
  });
  session.stdout.pipe(process.stdout);
  session.stderr.pipe(process.stderr);
  const onResize = () => void session.resize(process.stdout.columns, process.stdout.rows);
  if (tty) {
    process.stdin.setRawMode(true);
    process.stdout.on('resize', onResize);
  }
  const onData = (b: Buffer) => session.write(b);
  process.stdin.on('data', onData);
  const onEnd = () => session.endInput();
  process.stdin.once('end', onEnd);
  if (command !== undefined && process.stdin.isTTY) session.endInput();
  process.stdin.resume();
  try {
    const code = await session.exited;
    return code ?? 1;
  } finally {
    process.stdin.off('data', onData);
    process.stdin.off('end', onEnd);
    process.stdin.pause();
    if (tty) {
      process.stdin.setRawMode(false);
      process.stdout.off('resize', onResize);
    }
    session.close();
  }
}

async function hostShell(client: DeviceClient, address: string, command: string | undefined): Promise<number> {
  if (!(await sshAnswers(client.host))) {
    const services = Object.keys(await client.containerIds().catch(() => ({})));
    process.stderr.write(
      `edgepush ssh: ${address} has no SSH server on port ${HOST_SSH_PORT}, so its host OS cannot be entered ` +
        `(a simulated device has no host OS of its own: its services run on this machine's engine; balenaOS development images have the server). ` +
        `A shell in a service works: edgepush ssh ${address} ${services[0] ?? 'SERVICE'}${services.length ? ` (services: ${services.join(', ')})` : ''}\n`,
    );
    return 3;
  }
  if (spawnSync('ssh', ['-V'], { stdio: 'ignore' }).error) {
    process.stderr.write(
      `edgepush ssh: the device's host OS is on SSH port ${HOST_SSH_PORT}, but no ssh client is installed here (apt-get install openssh-client)\n`,
    );
    return 2;
  }
  // balenaOS development images take root without a password on 22222.
  const args = [
    '-p',
    String(HOST_SSH_PORT),
    '-o',
    'StrictHostKeyChecking=accept-new',
    ...(command === undefined ? ['-t'] : []),
    `root@${client.host}`,
    ...(command !== undefined ? [command] : []),
  ];
  const child = spawn('ssh', args, { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

export const sshCommand: CliCommand = {
  usage: `edgepush ssh ADDR [SERVICE] [-c CMD] [--api-key KEY]

  SERVICE             a shell in this service's container, through the device's engine (as balena ssh ADDR SERVICE);
                      without it, the device's host OS over SSH on port ${HOST_SSH_PORT} (balenaOS development images)
  -c, --command CMD   run CMD (with /bin/sh -c) instead of an interactive shell; its exit code is ssh's
${deviceAccessUsage}
Commands can also be piped in: echo 'ls /' | edgepush ssh ADDR main
Exit codes: the shell's or the command's; 1 no such service, 2 usage, 3 the device does not answer.`,
  options: { command: { type: 'string', short: 'c' }, ...deviceAccessOptions },
  run: async (args) => {
    noExtraPositionals(args, 2);
    const address = positional(args, 0, 'ADDR');
    const service = args.positionals[1];
    const command = stringOpt(args, 'command');
    try {
      const { client } = await connectDevice(address, undefined, undefined, deviceAccessOf(args));
      return service !== undefined ? await serviceShell(client, service, command) : await hostShell(client, address, command);
    } catch (err) {
      process.stderr.write(`edgepush ssh: ${messageOf(err)}\n`);
      return exitCodeOf(err);
    }
  },
};
