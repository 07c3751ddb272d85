// A minimal QMP (QEMU Machine Protocol) client: connect to the board's unix socket, negotiate capabilities,
// run one command, and hand back its `return`. Every step has a time limit: a wedged QEMU must not hang us.
import { connect } from 'node:net';
import * as z from 'zod';
import { unavailable } from '../shared/errors.js';

const qmpMessage = z.union([
  z.object({ QMP: z.unknown() }),
  z.object({ return: z.unknown(), id: z.string().optional() }),
  z.object({ error: z.object({ class: z.string(), desc: z.string() }), id: z.string().optional() }),
  z.object({ event: z.string() }).passthrough(),
]);
type QmpMessage = z.infer<typeof qmpMessage>;

export async function qmpCommand(socketPath: string, execute: string, args?: Record<string, unknown>, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let buf = '';
    let stage: 'greeting' | 'capabilities' | 'command' = 'greeting';
    const timer = setTimeout(() => finish(unavailable(`QMP ${execute}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    function finish(err: Error | undefined, value?: unknown) {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value);
    }
    const send = (cmd: string, id: string, a?: Record<string, unknown>) =>
      sock.write(`${JSON.stringify({ execute: cmd, id, ...(a ? { arguments: a } : {}) })}\n`);
    function onMessage(msg: QmpMessage) {
      if ('event' in msg) return;
      if ('QMP' in msg) {
        if (stage !== 'greeting') return;
        stage = 'capabilities';
        send('qmp_capabilities', 'caps');
        return;
      }
      if ('error' in msg) return finish(unavailable(`QMP ${execute}: ${msg.error.desc}`));
      if (msg.id === 'caps') {
        stage = 'command';
        send(execute, 'cmd', args);
      } else if (msg.id === 'cmd') finish(undefined, msg.return);
    }
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        try {
          const parsed = qmpMessage.safeParse(JSON.parse(line));
          if (parsed.success) onMessage(parsed.data);
        } catch {
          // not JSON: ignore the line
        }
      }
    });
    sock.on('error', (err) => finish(unavailable(`QMP socket ${socketPath}: ${err.message}`, err)));
    sock.on('close', () => finish(unavailable(`QMP ${execute}: QEMU closed the connection`)));
  });
}
