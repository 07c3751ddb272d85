// Which compose keys balena takes, strips with a warning, or refuses. Taken from balena's docker-compose
// reference (docs: reference/supervisor/docker-compose.md) and from what balena's current parser
// (@balena/compose-parser, compose-go underneath, used by balena-cli through @balena/compose) does with each
// key; where the two disagree the note says which one we follow. Keys not listed anywhere are typos or keys
// the compose spec does not know: compose-go refuses those ("Additional property ... is not allowed"), and so
// do we, with a "did you mean" when one is close.

/** Service keys balena accepts and the device maps into the container (see simulator/device/containerSpec.ts). */
export const SERVICE_KEYS = [
  'build',
  'image',
  'command',
  'entrypoint',
  'environment',
  'env_file',
  'labels',
  'label_file',
  'ports',
  'volumes',
  'networks',
  'network_mode',
  'depends_on',
  'restart',
  'privileged',
  'tty',
  'init',
  'working_dir',
  'user',
  'hostname',
  'domainname',
  'cap_add',
  'cap_drop',
  'devices',
  'dns',
  'dns_opt',
  'dns_search',
  'extra_hosts',
  'group_add',
  'healthcheck',
  'ipc',
  'mac_address',
  'mem_limit',
  'mem_reservation',
  // balena's docs list it as supported; its current parser refuses it. The issue (and the docs) win: a user who
  // sets it wants the OOM killer off, and the engine honours it.
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'read_only',
  'security_opt',
  'shm_size',
  'stop_grace_period',
  'stop_signal',
  'sysctls',
  'tmpfs',
  'ulimits',
  'userns_mode',
  'cgroup_parent',
  'cpu_quota',
  'cpu_shares',
  'cpuset',
  'cpus',
  'uts',
  'device_cgroup_rules',
  'profiles',
] as const;

/** Keys balena removes from the composition with a warning (the push goes on). */
export const STRIPPED_SERVICE_KEYS: Record<string, string> = {
  expose: 'service.expose is informational only; removed from the composition (as balena does)',
  container_name:
    'service.container_name is not supported (the device names its containers); removed from the composition (as balena does)',
};

/** Keys balena refuses: the project does not load. */
export const REFUSED_SERVICE_KEYS: Record<string, string> = {
  blkio_config: 'not allowed by balena',
  configs: 'not allowed by balena',
  cpu_count: 'not allowed by balena (use cpus or cpu_quota)',
  cpu_percent: 'not allowed by balena (use cpus or cpu_quota)',
  cpu_period: 'not allowed by balena (use cpus or cpu_quota)',
  credential_spec: 'not allowed by balena',
  deploy: 'not allowed by balena (swarm settings; use mem_limit, cpus, restart instead)',
  develop: 'not allowed by balena',
  external_links: 'not allowed by balena',
  gpus: 'not allowed by balena',
  isolation: 'not allowed by balena',
  links: 'not allowed by balena (services reach each other by name on the app network)',
  logging: 'not allowed by balena (the supervisor collects service logs itself)',
  mem_swappiness: 'not allowed by balena',
  memswap_limit: 'not allowed by balena',
  platform: 'not allowed by balena (the device type decides the architecture)',
  pull_policy: 'not allowed by balena',
  runtime: 'not allowed by balena',
  scale: 'not allowed by balena',
  secrets: 'not allowed by balena (use build-secrets in .balena/balena.yml for build time secrets)',
  stdin_open: 'not allowed by balena',
  storage_opt: 'not allowed by balena',
  // Accepted by balena's parser only with a contract that needs a newer supervisor than devices run.
  annotations: 'needs a compose spec v2 supervisor (balena adds a contract for it); EdgePush devices do not support it',
  attach: 'needs a compose spec v2 supervisor (balena adds a contract for it); EdgePush devices do not support it',
  cgroup: 'needs a compose spec v2 supervisor (balena adds a contract for it); EdgePush devices do not support it',
  cpu_rt_runtime: 'needs a compose spec v2 supervisor (balena adds a contract for it); EdgePush devices do not support it',
  cpu_rt_period: 'needs a compose spec v2 supervisor (balena adds a contract for it); EdgePush devices do not support it',
  post_start: 'needs a compose spec v2 supervisor (balena adds a contract for it); EdgePush devices do not support it',
  pre_stop: 'needs a compose spec v2 supervisor (balena adds a contract for it); EdgePush devices do not support it',
  volumes_from: 'needs a compose spec v2 supervisor (balena adds a contract for it); EdgePush devices do not support it',
};

export const BUILD_KEYS = ['context', 'dockerfile', 'args', 'target', 'cache_from', 'extra_hosts', 'labels', 'shm_size'] as const;

export const REFUSED_BUILD_KEYS: Record<string, string> = {
  additional_contexts: 'not allowed by balena',
  cache_to: 'not allowed by balena',
  dockerfile_inline: 'not allowed by balena',
  entitlements: 'not allowed by balena',
  isolation: 'not allowed by balena',
  network: 'not allowed by balena',
  no_cache: 'not allowed by balena',
  platforms: 'not allowed by balena',
  platform: 'not allowed by balena (the device type decides the architecture)',
  privileged: 'not allowed by balena',
  pull: 'not allowed by balena',
  secrets: 'not allowed by balena (use build-secrets in .balena/balena.yml)',
  ssh: 'not allowed by balena',
  tags: 'not allowed by balena',
  ulimits: 'not allowed by balena',
};

export const TOP_LEVEL_KEYS = ['version', 'name', 'services', 'volumes', 'networks'] as const;

export const REFUSED_TOP_LEVEL_KEYS: Record<string, string> = {
  secrets: 'top-level secrets are not supported by balena (use build-secrets in .balena/balena.yml)',
  configs: 'top-level configs are not supported by balena',
  include: 'include is not supported by balena',
};

/** Keys of the compose spec that a service may carry, for telling a typo from a key balena refuses. */
const KNOWN = [...SERVICE_KEYS, ...Object.keys(STRIPPED_SERVICE_KEYS), ...Object.keys(REFUSED_SERVICE_KEYS)];

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known key closest to `key` when it is close enough to be a typo of it. */
export function closestKey(key: string, candidates: readonly string[] = KNOWN): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase().replace(/-/g, '_'), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(key.length / 4)) ? best : undefined;
}

export const isExtension = (key: string): boolean => key.startsWith('x-');
