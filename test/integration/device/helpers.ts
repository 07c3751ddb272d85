// Shared pieces of the device integration tests: a real `edgepush device` child process on a loopback
// address of this area's range (127.B.10.x, test/testNet.ts), an HTTP client for its API, an SSE reader, images built through
// its engine endpoint, and clean-up of everything the device made.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { pack as tarPack } from 'tar-stream';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import { spawnSimulatedDevice, type SpawnedDevice } from '../../../simulator/device/spawnDevice.js';
import { purgeDevice, deviceIdFrom } from '../../../simulator/device/scope.js';
import { ensureBaseImages } from '../../../simulator/device/baseImages.js';
import { createImageDelta } from '../../../simulator/engine/imageDelta.js';
import { parseUpdateEvent, type UpdateEvent } from '../../../simulator/shared/updateEvents.js';

export const CLI = resolve('dist/cli.js');
export const docker = new Docker();

export interface TestDevice {
  address: string;
  name: string;
  id: string;
  dataDir: string;
  proc: SpawnedDevice;
  engine: Docker;
  stderr: () => string;
  /** Stops (SIGTERM, or SIGKILL with `kill`) and starts the device again on the same data dir. */
  restart(extra?: { link?: string; kill?: boolean }): Promise<void>;
  cleanup(): Promise<void>;
}

export interface TestDeviceOptions {
  link?: string;
  engine?: string;
  dataDir?: string;
  apiKey?: string;
  allowPrivileged?: boolean;
  env?: Record<string, string>;
  deviceType?: string;
}

export async function startTestDevice(address: string, opts: TestDeviceOptions = {}): Promise<TestDevice> {
  await ensureBaseImages(docker, { node: false });
  const name = `it-${randomBytes(3).toString('hex')}`;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ep-device-it-'));
  let log = '';
  const spawnIt = (link = opts.link) =>
    spawnSimulatedDevice({
      cliPath: CLI,
      address,
      name,
      dataDir,
      link,
      engine: opts.engine,
      apiKey: opts.apiKey,
      allowPrivileged: opts.allowPrivileged,
      deviceType: opts.deviceType,
      env: opts.env,
      onStderr: (c) => (log = (log + c).slice(-20000)),
    });
  const dev: TestDevice = {
    address,
    name,
    id: deviceIdFrom(name),
    dataDir,
    proc: await spawnIt(),
    engine: new Docker({ host: address, port: 2375, protocol: 'http' }),
    stderr: () => log,
    async restart(extra = {}) {
      if (extra.kill) {
        process.kill(dev.proc.pid, 'SIGKILL');
        await dev.proc.exited;
      } else await dev.proc.stop();
      dev.proc = await spawnIt(extra.link ?? opts.link);
    },
    async cleanup() {
      await dev.proc.stop().catch(() => undefined);
      await purgeDevice(docker, dev.id);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return dev;
}

export async function api(
  address: string,
  method: string,
  path: string,
  body?: unknown,
  raw?: string,
): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(`http://${address}:48484${path}`, {
    method,
    headers: body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

export interface StatusBody {
  appState: string;
  containers: { status: string; serviceName: string; containerId: string }[];
  images: { name: string; dockerImageId: string | null }[];
  release: string | null;
}

export async function status(address: string): Promise<StatusBody> {
  return (await api(address, 'GET', '/v2/state/status')).json as StatusBody;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Builds a busybox-based image through the device's engine endpoint, tagged `local_<svc>` as the CLI does. */
export async function buildThroughDevice(dev: TestDevice, tag: string, script: string, extraDockerfile = ''): Promise<string> {
  const pack = tarPack();
  pack.entry({ name: 'Dockerfile' }, `FROM edgepush-base/busybox:latest\nCOPY run.sh /run.sh\n${extraDockerfile}CMD ["sh", "/run.sh"]\n`);
  pack.entry({ name: 'run.sh' }, script);
  pack.finalize();
  const stream = (await dev.engine.buildImage(pack as unknown as Readable, { t: tag, forcerm: true })) as unknown as Readable;
  await new Promise<void>((res, rej) =>
    dev.engine.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) =>
      err ? rej(err) : out.find((o) => o.error) ? rej(new Error(out.find((o) => o.error)!.error)) : res(),
    ),
  );
  const info = await dev.engine.getImage(tag).inspect();
  return info.Id;
}

export interface ServiceSpec {
  serviceName: string;
  image: string;
  labels?: Record<string, string>;
  environment?: Record<string, string>;
  running?: boolean;
  [k: string]: unknown;
}

/** The target state the balena CLI would post (defaults it adds, minus privileged/host networking). */
export function targetState(name: string, services: ServiceSpec[], commit = 'c0ffee01'): unknown {
  return {
    local: {
      name,
      config: { SUPERVISOR_LOCAL_MODE: '1' },
      apps: {
        '1': {
          name: 'localapp',
          commit,
          releaseId: '1',
          services: Object.fromEntries(
            services.map((s, i) => [
              String(i + 1),
              { imageId: i + 1, serviceId: i + 1, restart: 'always', running: true, environment: {}, labels: {}, ...s },
            ]),
          ),
          volumes: {},
          networks: {},
        },
      },
    },
  };
}

export async function postTarget(dev: TestDevice, services: ServiceSpec[], commit?: string): Promise<void> {
  const r = await api(dev.address, 'POST', '/v2/local/target-state', targetState(dev.name, services, commit));
  if (r.status !== 200) throw new Error(`target-state POST: ${r.status} ${r.text}`);
}

/** Running containers of one service on the engine (by the device's labels). */
export async function serviceContainers(dev: TestDevice, service: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`io.edgepush.device=${dev.id}`, `io.balena.service-name=${service}`] }),
  });
}

/** Reads SSE update events until `until` returns true for one; resolves with all seen. */
export function collectEvents(
  address: string,
  until: (e: UpdateEvent) => boolean,
  timeoutMs = 30000,
): { done: Promise<UpdateEvent[]>; close(): void } {
  const seen: UpdateEvent[] = [];
  let req: http.ClientRequest | undefined;
  const done = new Promise<UpdateEvent[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      req?.destroy();
      reject(new Error(`no matching update event in time; saw ${JSON.stringify(seen.slice(-5))}`));
    }, timeoutMs);
    req = http.get({ host: address, port: 48484, path: '/v2/edgepush/events' }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i = buf.indexOf('\n\n');
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          i = buf.indexOf('\n\n');
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (!data) continue;
          const e = parseUpdateEvent(data);
          seen.push(e);
          if (until(e)) {
            clearTimeout(timer);
            req?.destroy();
            resolve(seen);
          }
        }
      });
    });
    req.on('error', () => undefined);
  });
  return { done, close: () => req?.destroy() };
}

/** Follows /v2/local/logs, collecting parsed lines. */
export function followLogs(
  address: string,
  query = '',
): { lines: { message: string; serviceName?: string; isSystem?: boolean }[]; close(): void } {
  const lines: { message: string; serviceName?: string; isSystem?: boolean }[] = [];
  const req = http.get({ host: address, port: 48484, path: `/v2/local/logs${query}` }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      buf += c;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)) as { message: string });
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
  });
  req.on('error', () => undefined);
  return { lines, close: () => req.destroy() };
}

/**
 * Builds TARGET (busybox plus a `payload` file, with `dockerfileTail` after the COPY) on the host engine, makes
 * the embedded engine's delta from busybox to it, then removes TARGET: a device must rebuild it from the delta.
 */
export async function payloadDelta(
  target: string,
  payload: Buffer,
  label: string,
  dockerfileTail = '',
): Promise<{ targetId: string; delta: Buffer }> {
  const pack = tarPack();
  pack.entry({ name: 'Dockerfile' }, `FROM edgepush-base/busybox:latest\nCOPY payload /payload\n${dockerfileTail}`);
  pack.entry({ name: 'payload' }, payload);
  pack.finalize();
  const stream = (await docker.buildImage(pack as unknown as Readable, {
    t: target,
    labels: { 'io.edgepush.test': label },
  })) as unknown as Readable;
  await new Promise((res, rej) => docker.modem.followProgress(stream, (err: Error | null) => (err ? rej(err) : res(undefined))));
  const targetId = (await docker.getImage(target).inspect()).Id;
  const d = await createImageDelta({ basis: { docker, ref: 'edgepush-base/busybox:latest' }, target: { docker, ref: target } });
  await docker.getImage(target).remove({ force: true });
  return { targetId, delta: Buffer.concat(d.chunks.map((c) => Buffer.from(c))) };
}
