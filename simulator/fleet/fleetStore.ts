// Where a fleet is remembered between commands: `<state>/edgepush/fleets/<name>/fleet.json` (its devices, their
// addresses, process ids and data dirs), written atomically. Device data and logs live beside it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { invalidInput } from '../shared/errors.js';
import { writeFileAtomic } from '../shared/atomicWrite.js';

export const fleetDeviceSchema = z.object({
  address: z.string(),
  name: z.string(),
  dataDir: z.string(),
  logPath: z.string(),
  pid: z.number().int(),
});
export type FleetDevice = z.infer<typeof fleetDeviceSchema>;

export const fleetRecordSchema = z.object({
  name: z.string(),
  deviceType: z.string(),
  link: z.string().nullable(),
  engine: z.string().nullable(),
  devices: z.array(fleetDeviceSchema),
  createdAt: z.string(),
});
export type FleetRecord = z.infer<typeof fleetRecordSchema>;

const nameRe = /^[a-z0-9][a-z0-9-]{0,30}$/;

export function checkFleetName(name: string): string {
  if (!nameRe.test(name)) throw invalidInput(`fleet name '${name}': lower case letters, digits and '-', at most 31 characters`);
  return name;
}

export function fleetsRoot(): string {
  const base = process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  return join(base, 'edgepush', 'fleets');
}

export const fleetDir = (name: string) => join(fleetsRoot(), checkFleetName(name));

export function readFleet(name: string): FleetRecord | undefined {
  const p = join(fleetDir(name), 'fleet.json');
  if (!existsSync(p)) return undefined;
  return fleetRecordSchema.parse(JSON.parse(readFileSync(p, 'utf8')));
}

export function writeFleet(f: FleetRecord): void {
  writeFileAtomic(join(fleetDir(f.name), 'fleet.json'), JSON.stringify(f, null, 1));
}

export function listFleets(): FleetRecord[] {
  if (!existsSync(fleetsRoot())) return [];
  return readdirSync(fleetsRoot())
    .filter((n) => nameRe.test(n))
    .map((n) => readFleet(n))
    .filter((f): f is FleetRecord => f !== undefined);
}
