// Which device type Start Simulated Device of Type… offers first: the `edgepush.simulator.deviceType` setting,
// else the type the open project points to (balena.yml's `defaultDeviceType`, or a `Dockerfile.<type>` /
// `Dockerfile.<arch>` variant), else the x86 default. Pure: no `vscode` import.
import { DEFAULT_DEVICE_TYPE, DEVICE_TYPES, deviceTypeOf, type DeviceType } from '../../simulator/shared/deviceTypes.js';

/** The type a project's files point to, if any: `files` are names in the project folder. */
export function projectDeviceType(files: readonly string[], balenaYml?: string): string | undefined {
  const fromYml = balenaYml ? /^\s*defaultDeviceType:\s*['"]?([a-z0-9-]+)['"]?\s*$/m.exec(balenaYml)?.[1] : undefined;
  if (fromYml && deviceTypeOf(fromYml)) return fromYml;
  const exts = files.filter((f) => /^Dockerfile\.[^.]+$/.test(f) && f !== 'Dockerfile.template').map((f) => f.slice('Dockerfile.'.length));
  for (const e of exts) if (deviceTypeOf(e)) return e;
  for (const e of exts) {
    const t = DEVICE_TYPES.find((d) => d.arch === e);
    if (t) return t.slug;
  }
  return undefined;
}

export function defaultDeviceType(setting: string, project: string | undefined): string {
  if (setting && deviceTypeOf(setting)) return setting;
  return project ?? DEFAULT_DEVICE_TYPE;
}

export interface DeviceTypeItem {
  label: string;
  description: string;
  slug: string;
  picked: boolean;
}

/** Quick pick items: the default first, then the table in its order. */
export function deviceTypeItems(defaultSlug: string): DeviceTypeItem[] {
  const item = (t: DeviceType): DeviceTypeItem => ({
    label: t.name,
    description: `${t.slug} · ${t.arch}`,
    slug: t.slug,
    picked: t.slug === defaultSlug,
  });
  const first = DEVICE_TYPES.filter((t) => t.slug === defaultSlug);
  return [...first, ...DEVICE_TYPES.filter((t) => t.slug !== defaultSlug)].map(item);
}

/** Device types a QEMU board can be (its arch is x86_64 or aarch64), and the board that runs each. */
export function boardTypeItems(defaultSlug: string): (DeviceTypeItem & { board: 'x86_64' | 'aarch64' })[] {
  return deviceTypeItems(defaultSlug)
    .map((i) => ({ ...i, arch: deviceTypeOf(i.slug)?.arch }))
    .filter((i) => i.arch === 'amd64' || i.arch === 'aarch64')
    .map(({ arch, ...i }) => ({ ...i, board: arch === 'aarch64' ? ('aarch64' as const) : ('x86_64' as const) }));
}

/** The board's default type: the project's when a board can be it, else the setting's board. */
export function defaultBoardType(qemuBoard: string, project: string | undefined): string {
  const arch = project ? deviceTypeOf(project)?.arch : undefined;
  if (project && (arch === 'amd64' || arch === 'aarch64')) return project;
  return qemuBoard === 'aarch64' ? 'raspberrypi4-64' : DEFAULT_DEVICE_TYPE;
}
