// Environment variables per device (for every service, or one service), kept in the user's global state and
// sent with every push to that device, as `balena push --env K=V` / `--env svc:K=V` would. No `vscode` import.

export interface EnvVar {
  /** undefined: every service. */
  service?: string;
  name: string;
  value: string;
}

export interface Memento {
  get<T>(key: string, fallback: T): T;
  update(key: string, value: unknown): Thenable<void>;
}

const KEY = 'edgepush.deviceEnv';
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The `--env` arguments of pushProject for these variables. */
export function toEnvArgs(vars: readonly EnvVar[]): string[] {
  return vars.map((v) => `${v.service ? `${v.service}:` : ''}${v.name}=${v.value}`);
}

/** `NAME=value` → { name, value }, or undefined when it is not one. */
export function parseAssignment(text: string, service?: string): EnvVar | undefined {
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  const name = text.slice(0, eq).trim();
  if (!ENV_NAME.test(name)) return undefined;
  return { ...(service ? { service } : {}), name, value: text.slice(eq + 1) };
}

export class DeviceEnv {
  constructor(private readonly state: Memento) {}

  private all(): Record<string, EnvVar[]> {
    return this.state.get<Record<string, EnvVar[]>>(KEY, {});
  }

  of(address: string): EnvVar[] {
    return [...(this.all()[address] ?? [])];
  }

  /** Sets (or replaces) one variable; a later push applies it. */
  async set(address: string, v: EnvVar): Promise<void> {
    const list = this.of(address).filter((x) => !(x.name === v.name && x.service === v.service));
    list.push(v);
    list.sort((a, b) => (a.service ?? '').localeCompare(b.service ?? '') || a.name.localeCompare(b.name));
    await this.state.update(KEY, { ...this.all(), [address]: list });
  }

  async remove(address: string, v: Pick<EnvVar, 'name' | 'service'>): Promise<void> {
    await this.state.update(KEY, {
      ...this.all(),
      [address]: this.of(address).filter((x) => !(x.name === v.name && x.service === v.service)),
    });
  }
}
