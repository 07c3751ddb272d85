// A TCP relay in front of a device's engine port that really cuts, once, the connection carrying a large archive
// upload (`PUT .../archive` over 700 kB) after 300 kB of its body: what a flaky link does to a delta in transit.
import { createServer, connect, type Server, type Socket } from 'node:net';

export function cuttingRelay(
  host: string,
  port: number,
  target: { host: string; port: number },
): Promise<{ server: Server; cuts: () => number }> {
  let cuts = 0;
  const server = createServer((client: Socket) => {
    const upstream = connect(target.port, target.host);
    let armed = false;
    let body = 0;
    client.on('data', (chunk: Buffer) => {
      if (cuts === 0 && !armed) {
        const m = /PUT \/[^ ]*archive[^ ]* HTTP\/1\.1\r\n[\s\S]*?content-length: (\d+)\r\n[\s\S]*?\r\n\r\n/i.exec(chunk.toString('latin1'));
        if (m && Number(m[1]) > 700_000) {
          armed = true;
          body = -(m.index + m[0].length);
        }
      }
      if (armed) {
        body += chunk.length;
        if (body > 300_000 && cuts === 0) {
          cuts++;
          client.destroy();
          upstream.destroy();
          return;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (c: Buffer) => client.write(c));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve({ server, cuts: () => cuts })));
}
