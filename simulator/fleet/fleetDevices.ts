// The processes behind a fleet: N `edgepush device` agents started in the background (each on its own loopback
// address, scoped on this machine's engine as any simulated device), their stop, and the power cut a fault
// injects (kill -9, then the same device started again on its data dir).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { agentProcess, pingDevice } from '../device/spawnDevice.js';
import { purgeDevice, deviceIdFrom } from '../device/scope.js';
import { invalidInput, unavailable } from '../shared/errors.js';
import { checkFleetName, fleetDir, readFleet, writeFleet, type FleetDevice, type FleetRecord } from './fleetStore.js';
import { processAlive } from '../shared/processAlive.js';

export interface StartFleetOptions {
  name: string;
  size: number;
  /** First loopback address; the others follow (127.0.1.1, 127.0.1.2, ...). */
  first?: string;
  deviceType?: string;
  link?: string;
  engine?: string;
  cliPath: string;
  nodePath?: string;
  timeoutMs?: number;
  onProgress?(started: number, total: number): void;
}

export const DEFAULT_FIRST_ADDRESS = '127.0.1.1';

/** `127.0.1.1` + i, carrying into the third octet (127.0.1.255 is followed by 127.0.2.1). */
export function nthAddress(first: string, i: number): string {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(first);
  if (!m) throw invalidInput(`--first '${first}': a loopback IPv4 address (127.x.y.z)`);
  const [b, c0, d0] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (d0 < 1 || d0 > 254) throw invalidInput(`--first '${first}': the last number must be 1-254`);
  const c = c0 + Math.floor((d0 - 1 + i) / 254);
  const d = ((d0 - 1 + i) % 254) + 1;
  if (c > 255) throw invalidInput(`--first '${first}': ${i + 1} addresses do not fit`);
  return `127.${b}.${c}.${d}`;
}

/** True when `pid` still runs this device (a pid can be reused). */
export function isDeviceProcess(d: FleetDevice): boolean {
  if (!processAlive(d.pid)) return false;
  try {
    const cmd = readFileSync(`/proc/${d.pid}/cmdline`, 'utf8').split('\0');
    return cmd.includes('device') && cmd[cmd.indexOf('--address') + 1] === d.address;
  } catch {
    return true;
  }
}

interface SpawnArgs {
  cliPath: string;
  nodePath?: string;
  deviceType: string;
  link: string | null;
  engine: string | null;
}

/** Starts one device in the background (its own process group, outliving this command); waits for /ping. */
export async function spawnFleetDevice(d: Omit<FleetDevice, 'pid'>, a: SpawnArgs, timeoutMs = 30000): Promise<FleetDevice> {
  mkdirSync(d.dataDir, { recursive: true });
  const args = ['--address', d.address, '--name', d.name, '--data', d.dataDir, '--device-type', a.deviceType];
  if (a.link) args.push('--link', a.link);
  if (a.engine) args.push('--engine', a.engine);
  const agent = agentProcess(a.cliPath, args);
  const log = openSync(d.logPath, 'a');
  const child = spawn(a.nodePath ?? process.execPath, agent.argv, { detached: true, stdio: ['ignore', log, log], env: agent.env });
  closeSync(log);
  child.unref();
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (!(await pingDevice(d.address, 500))) {
    if (exited) throw unavailable(`fleet device ${d.name} at ${d.address} exited at start: ${lastLine(d.logPath)}`);
    if (Date.now() > deadline) {
      process.kill(child.pid!, 'SIGKILL');
      throw unavailable(`fleet device ${d.name} at ${d.address} did not answer in time`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { ...d, pid: child.pid! };
}

function lastLine(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').pop() ?? '';
  } catch {
    return '';
  }
}

const spawnArgs = (f: FleetRecord, cliPath: string, nodePath?: string): SpawnArgs => ({
  cliPath,
  nodePath,
  deviceType: f.deviceType,
  link: f.link,
  engine: f.engine,
});

export async function startFleet(o: StartFleetOptions): Promise<FleetRecord> {
  checkFleetName(o.name);
  if (!Number.isInteger(o.size) || o.size < 1 || o.size > 500) throw invalidInput(`--size ${o.size}: between 1 and 500 devices`);
  if (readFleet(o.name)?.devices.some(isDeviceProcess))
    throw invalidInput(`fleet '${o.name}' is already running (edgepush fleet stop --name ${o.name})`);
  const first = o.first ?? DEFAULT_FIRST_ADDRESS;
  const dir = fleetDir(o.name);
  const record: FleetRecord = {
    name: o.name,
    deviceType: o.deviceType ?? 'genericx86-64-ext',
    link: o.link ?? null,
    engine: o.engine ?? null,
    devices: [],
    createdAt: new Date().toISOString(),
  };
  const planned = Array.from({ length: o.size }, (_, i) => {
    const name = `${o.name}-${String(i + 1).padStart(String(o.size).length, '0')}`;
    return { address: nthAddress(first, i), name, dataDir: join(dir, 'devices', name), logPath: join(dir, 'devices', `${name}.log`) };
  });
  mkdirSync(join(dir, 'devices'), { recursive: true });
  // A few at a time: each agent's start costs a Node start-up on a shared machine.
  const batch = 4;
  try {
    for (let i = 0; i < planned.length; i += batch) {
      const started = await Promise.all(
        planned.slice(i, i + batch).map((d) => spawnFleetDevice(d, spawnArgs(record, o.cliPath, o.nodePath), o.timeoutMs)),
      );
      record.devices.push(...started);
      writeFleet(record);
      o.onProgress?.(record.devices.length, o.size);
    }
  } catch (err) {
    await stopDevices(record.devices);
    throw err;
  }
  return record;
}

async function stopDevices(devices: FleetDevice[], timeoutMs = 20000): Promise<void> {
  const mine = devices.filter(isDeviceProcess);
  for (const d of mine) process.kill(d.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (mine.some((d) => processAlive(d.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const d of mine) if (processAlive(d.pid)) process.kill(d.pid, 'SIGKILL');
}

/** Stops every device of the fleet (powered off: the next start brings their containers back). `purge`
 *  also removes their containers, images, volumes and data, and the release images `fleet push` built here. */
export async function stopFleet(name: string, opts: { purge?: boolean; engine?: Docker } = {}): Promise<FleetRecord | undefined> {
  const f = readFleet(name);
  if (!f) return undefined;
  await stopDevices(f.devices);
  if (opts.purge) {
    const docker = opts.engine ?? new Docker();
    for (const d of f.devices) await purgeDevice(docker, deviceIdFrom(d.name));
    const built = await docker.listImages({ filters: JSON.stringify({ label: [`io.edgepush.fleet=${name}`] }) }).catch(() => []);
    for (const img of built)
      for (const tag of img.RepoTags ?? [])
        if (tag.startsWith(`edgepush-fleet/${name}/`))
          await docker
            .getImage(tag)
            .remove()
            .catch(() => undefined);
    rmSync(fleetDir(name), { recursive: true, force: true });
  }
  return f;
}

/** A power cut: kill -9 now, then the same device (same data) started again after `offMs`. */
export async function powerCycle(f: FleetRecord, d: FleetDevice, cliPath: string, offMs = 500, nodePath?: string): Promise<FleetDevice> {
  if (isDeviceProcess(d)) process.kill(d.pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, offMs));
  const again = await spawnFleetDevice(d, spawnArgs(f, cliPath, nodePath));
  const current = readFleet(f.name) ?? f;
  writeFleet({ ...current, devices: current.devices.map((x) => (x.address === d.address ? again : x)) });
  return again;
}
