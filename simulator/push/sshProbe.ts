// Whether a device's host OS answers SSH (balenaOS development images: port 22222): an SSH server greets first
// with `SSH-2.0-...`. A bare TCP connect is not enough: QEMU's port forwarding accepts a connection for a guest
// that has no server behind it.
import { connect } from 'node:net';

export const HOST_SSH_PORT = 22222;

export function sshAnswers(host: string, port = HOST_SSH_PORT, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('data', (b: Buffer) => done(b.subarray(0, 4).toString('latin1') === 'SSH-'));
    sock.once('error', () => done(false));
    sock.once('close', () => done(false));
  });
}
