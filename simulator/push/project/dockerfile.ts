// Which Dockerfile a service builds with, and balena's template variables.
// Order (as balena): Dockerfile.<deviceType> > Dockerfile.<arch> > Dockerfile.template > Dockerfile.

export interface TemplateVars {
  arch: string;
  deviceType: string;
  serviceName: string;
  appName: string;
  releaseHash: string;
}

export function dockerfileCandidates(deviceType: string, arch: string): string[] {
  return [`Dockerfile.${deviceType}`, `Dockerfile.${arch}`, 'Dockerfile.template', 'Dockerfile'];
}

/** Picks the Dockerfile from the names present in a build context; undefined when none fits. */
export function selectDockerfile(present: ReadonlySet<string> | readonly string[], deviceType: string, arch: string): string | undefined {
  const has = Array.isArray(present) ? new Set(present) : (present as ReadonlySet<string>);
  return dockerfileCandidates(deviceType, arch).find((n) => has.has(n));
}

/** Every Dockerfile variant is resolved as a template (balena does the same); plain files have no `%%`. */
export function resolveTemplate(text: string, v: TemplateVars): string {
  const values: Record<string, string> = {
    ARCH: v.arch,
    MACHINE_NAME: v.deviceType,
    SERVICE_NAME: v.serviceName,
    APP_NAME: v.appName,
    RELEASE_HASH: v.releaseHash,
  };
  return text.replace(/%%(BALENA|RESIN)_([A-Z_]+)%%/g, (whole, _p: string, name: string) => values[name] ?? whole);
}

/** arch → docker platform string, as the balena CLI maps it. */
export function platformOf(arch: string): string | undefined {
  const map: Record<string, string> = {
    amd64: 'linux/amd64',
    i386: 'linux/386',
    aarch64: 'linux/arm64/v8',
    armv7hf: 'linux/arm/v7',
    rpi: 'linux/arm/v6',
  };
  return map[arch];
}
