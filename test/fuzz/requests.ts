// Crafted requests against a real agent (`edgepush device` from dist/cli.js): malformed request lines and
// escapes, junk and deeply nested bodies, lying Content-Range and sizes, and container create bodies that ask
// for the host. Outcomes:
//   rejected / accepted  any answer below 500; on the engine port any answer (it is the engine's)
//   wrong                a 5xx other than 503 from the supervisor API, or a hostile create body not refused
//   crashed              no answer at all and the agent gone (it is started again)
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { pingDevice } from '../../simulator/device/spawnDevice.js';
import { deviceIdFrom, purgeDevice } from '../../simulator/device/scope.js';
import { rng, type Rng } from './mutators.js';

export interface RequestCounts {
  tried: number;
  rejected: number;
  accepted: number;
  wrong: number;
  crashed: number;
  findings: string[];
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[r() % xs.length]!;

const segments = ['%ZZ', '%', '%E0%A4%A', '..', '%2e%2e', 'a%00b', '\u00e9', 'x'.repeat(300), 'local_main', '1', '-1', 'sha256:abc', '%2F'];
const supervisorPaths = [
  '/v2/edgepush/deltas/{}',
  '/v2/applications/{}/restart-service',
  '/v2/applications/{}/stop-service',
  '/v1/apps/{}/start',
  '/v2/local/target-state',
  '/v2/containerId?serviceName={}',
  '/v2/local/logs?since={}',
  '/v2/state/status',
  '/{}',
];
const enginePaths = [
  '/images/{}/json',
  '/v1.41/images/{}/json',
  '/images/{}/history',
  '/containers/json?filters={}',
  '/images/json?filters={}',
  '/_ping',
];
const hostile = [
  { HostConfig: { Privileged: true } },
  { HostConfig: { Binds: ['/:/host'] } },
  { hostconfig: { binds: ['/etc:/etc2'] } },
  { HostConfig: { CapAdd: ['SYS_ADMIN'] } },
  { HostConfig: { PidMode: 'host' } },
  { HostConfig: { NetworkMode: 'host' } },
  { HostConfig: { Devices: [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem', CgroupPermissions: 'rwm' }] } },
  { HostConfig: { SecurityOpt: ['seccomp=unconfined'] } },
  { HostConfig: { Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] } },
];

function deepJson(r: Rng): string {
  const n = 50 + (r() % 5000);
  return `{"a":${'['.repeat(n)}${']'.repeat(n)}}`;
}

function body(r: Rng): string | Buffer {
  switch (r() % 6) {
    case 0:
      return deepJson(r);
    case 1:
      return Buffer.from(Array.from({ length: r() % 2000 }, () => r() & 0xff));
    case 2:
      return JSON.stringify({
        local: {
          name: 'x',
          apps: { [String(r() % 3)]: { services: { '1': { serviceName: pick(r, segments), image: pick(r, segments) } } } },
        },
      });
    case 3:
      return JSON.stringify({ serviceName: pick(r, segments), imageId: pick(r, [1, -1, 1.5, 'x']) });
    case 4:
      return '{"unterminated": ';
    default:
      return '';
  }
}

/** One raw HTTP/1.1 request; resolves with the status code, or 0 when the connection closed without one. */
function send(address: string, port: number, head: string, payload: string | Buffer): Promise<number> {
  return new Promise((resolveStatus) => {
    let got = '';
    const s = net.connect(port, address, () => {
      s.write(head);
      if (payload.length) s.write(payload);
    });
    s.setEncoding('latin1');
    s.setTimeout(10_000, () => s.destroy());
    s.on('data', (c: string) => {
      got += c;
      if (got.includes('\r\n')) s.destroy();
    });
    const done = () => resolveStatus(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0));
    s.on('close', done);
    s.on('error', () => undefined);
  });
}

function request(r: Rng, address: string): { port: number; head: string; payload: string | Buffer; hostileCreate: boolean } {
  const engine = r() % 3 === 0;
  if (engine && r() % 3 === 0) {
    const b = JSON.stringify({ Image: 'edgepush-base/busybox:latest', Cmd: ['true'], ...pick(r, hostile) });
    return {
      port: 2375,
      head: `POST /v1.41/containers/create HTTP/1.1\r\nHost: ${address}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\nConnection: close\r\n\r\n`,
      payload: b,
      hostileCreate: true,
    };
  }
  const template = pick(r, engine ? enginePaths : supervisorPaths);
  let path = template.replace('{}', pick(r, segments));
  if (r() % 10 === 0) path = pick(r, ['http://[::1/', '//', '/%', '*', 'http://x:99999/']);
  const method = engine ? pick(r, ['GET', 'HEAD']) : pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
  const payload = method === 'GET' || method === 'HEAD' ? '' : body(r);
  const headers = [
    `Host: ${address}`,
    'Connection: close',
    `Content-Length: ${r() % 8 === 0 ? pick(r, ['-1', '99999999999', 'x']) : Buffer.byteLength(payload)}`,
  ];
  if (r() % 4 === 0)
    headers.push(
      `Content-Range: ${pick(r, ['bytes 0-1/2', 'bytes 5-1/3', 'bytes */*', 'bytes 0-0/1e15', 'junk', `bytes ${r()}-${r()}/${r()}`])}`,
    );
  if (r() % 6 === 0) headers.push(`Content-Type: ${pick(r, ['application/json', 'text/plain', '\u00ff'])}`);
  return {
    port: engine ? 2375 : 48484,
    head: `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`,
    payload,
    hostileCreate: false,
  };
}

export class RequestFuzzer {
  private agent: ChildProcess | undefined;
  private readonly data = mkdtempSync(join(tmpdir(), 'ep-fuzz-agent-'));
  readonly counts: RequestCounts = { tried: 0, rejected: 0, accepted: 0, wrong: 0, crashed: 0, findings: [] };

  constructor(
    private readonly address: string,
    private readonly seed: number,
  ) {}

  private async start(): Promise<void> {
    this.agent = spawn(
      process.execPath,
      [resolve('dist/cli.js'), 'device', '--address', this.address, '--name', 'ep-fuzz', '--data', this.data],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 150 && !(await pingDevice(this.address, 500)); i++) await new Promise((r) => setTimeout(r, 200));
  }

  /** Sends requests until `until()` says stop. */
  async run(until: () => boolean): Promise<void> {
    await this.start();
    for (let i = 0; !until(); i++) {
      const r = rng((this.seed ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
      const q = request(r, this.address);
      const status = await send(this.address, q.port, q.head, q.payload);
      this.counts.tried++;
      const what = `${q.head.split('\r\n')[0]}`;
      if (status === 0) {
        if (await pingDevice(this.address, 2000)) {
          this.counts.rejected++; // the connection was closed on a malformed request (Node's own 400 path)
          continue;
        }
        this.counts.crashed++;
        this.counts.findings.push(`request ${i} took the agent down: ${what}`);
        this.agent?.kill('SIGKILL');
        await this.start();
      } else if (q.hostileCreate && status < 400) {
        this.counts.wrong++;
        this.counts.findings.push(`request ${i}: a hostile create body was accepted (${status}): ${q.payload.toString().slice(0, 200)}`);
      } else if (status >= 500 && q.port === 48484 && status !== 503) {
        this.counts.wrong++;
        this.counts.findings.push(`request ${i} answered ${status}: ${what}`);
      } else if (status < 400) this.counts.accepted++;
      else this.counts.rejected++;
    }
  }

  async stop(): Promise<void> {
    this.agent?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await purgeDevice(new Docker(), deviceIdFrom('ep-fuzz')).catch(() => undefined);
    rmSync(this.data, { recursive: true, force: true });
  }
}
