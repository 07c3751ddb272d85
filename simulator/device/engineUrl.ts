// Engine endpoints: `unix:///var/run/docker.sock`, `tcp://HOST:PORT` or `http://HOST:PORT`.
import Docker from 'dockerode';
import { EdgePushError } from '../shared/errors.js';

export type EngineTarget = { socketPath: string } | { host: string; port: number };

export function parseEngineUrl(url: string | undefined): EngineTarget {
  const u = url ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (u.startsWith('unix://')) return { socketPath: u.slice('unix://'.length) };
  const m = /^(?:tcp|http):\/\/([^:/]+|\[[^\]]+\]):(\d+)\/?$/.exec(u);
  if (!m) throw new EdgePushError('invalid-input', `unsupported engine URL '${u}' (expected unix:///path or tcp://host:port)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export function dockerFor(target: EngineTarget): Docker {
  return 'socketPath' in target
    ? new Docker({ socketPath: target.socketPath })
    : new Docker({ host: target.host, port: target.port, protocol: 'http' });
}
