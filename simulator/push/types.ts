// The public types of the push pipeline: what `pushProject` takes, the events it emits while it works, and the
// report it returns (the `edgepush push --json` shape). The VS Code extension imports these; keep them stable.
import * as z from 'zod';
import type Docker from 'dockerode';
import { ServiceReportSchema } from '../shared/pushReport.js';

export type BuildOn = 'device' | 'local';

/** Where `pushProject` builds when the caller does not say: on the device's engine, as `balena push` does. */
export const DEFAULT_BUILD_ON: BuildOn = 'device';

/** The phases one service goes through during a push, in order; `exited` and `failed` end it badly. */
export const SERVICE_PHASES = ['building', 'shipping', 'downloaded', 'installing', 'running', 'exited', 'failed'] as const;
export type ServicePhase = (typeof SERVICE_PHASES)[number];

// The report's per-service line is a wire type the dashboard webview validates too: it lives in shared/.
export { SHIP_METHODS, ServiceReportSchema, type ShipMethod, type ServiceReport } from '../shared/pushReport.js';

/** The result of a push, exactly what `edgepush push --json` prints on stdout. */
export const PushReportSchema = z.object({
  /** The address or host name the push went to. */
  device: z.string(),
  /** The release (commit) the device now runs. */
  release: z.string(),
  services: z.array(ServiceReportSchema),
});
export type PushReport = z.infer<typeof PushReportSchema>;

/** Progress of a push, in the order it happens. Library code never prints; the CLI and the extension render these. */
export type PushEvent =
  /** A step of the push as a whole (connecting, building, posting the target state, waiting for the device...). */
  | { type: 'step'; message: string }
  /** A service entered a phase; `percent` while building or shipping, `bytes` = bytes sent so far while shipping. */
  | { type: 'service'; service: string; phase: ServicePhase; percent?: number; bytes?: number; message?: string }
  /** One line of build output for a service (from the device's or the local engine). */
  | { type: 'build-output'; service: string; line: string }
  /** The release id chosen for this push, before the target state is posted. */
  | { type: 'release'; release: string }
  /** The delta report, once all figures are known (the same object `pushProject` resolves with). */
  | { type: 'report'; report: PushReport };

/** How to reach a device beyond its address: its API key and an engine port other than 2375. */
export interface DeviceAccess {
  apiKey?: string;
  enginePort?: number;
}

/** Build settings as `balena push` takes them (`--nocache`, `--pull`, `--build-arg`, `--dockerfile`). */
export interface BuildFlags {
  /** Build without the engine's cache. */
  nocache?: boolean;
  /** Pull newer versions of the base images. */
  pull?: boolean;
  /** `--build-arg K=V` for every service, over the compose file's `build.args`. */
  buildArgs?: Record<string, string>;
  /** Another Dockerfile for a single-service project (a path in the project folder). */
  dockerfile?: string;
}

export interface PushOptions {
  /** The project folder: a `docker-compose.yml` or a single `Dockerfile` (or `Dockerfile.template`, ...). */
  projectDir: string;
  /** The device: `host`, `host:port` (supervisor port) or `[v6]:port`; the engine is on 2375 unless `access` says. */
  device: string;
  /** API key and engine port of the device, where needed. */
  access?: DeviceAccess;
  /** `--nocache`, `--pull`, `--build-arg`, `--dockerfile`. */
  build?: BuildFlags;
  /** Build on the device's engine (default, like `balena push`) or locally, shipping a delta. */
  buildOn?: BuildOn;
  /** `K=V` for every service or `service:K=V` for one, like `balena push --env`. */
  env?: string[];
  /** Only build these services (the others keep their current image); all when omitted. */
  services?: string[];
  /** Aborts the push: rejects with an EdgePushError of kind `cancelled`. */
  signal?: AbortSignal;
  onEvent?: (e: PushEvent) => void;
  /** Link rate in bits per second for `transferSeconds`; by default asked from the device, else measured time. */
  linkBitsPerSecond?: number;
  /** How long to wait for the device to apply the new state (ms, default 120000). */
  applyTimeoutMs?: number;
  /** Build for livepush: `#dev-cmd-live`, `#dev-run`, `#dev-copy`, `#dev-env` directives take effect. Default false. */
  live?: boolean;
  /** Skip the delta report figures other than `sentBytes` (faster on slow links). Default false. */
  skipDeltaReport?: boolean;
  /** Makes sure the EdgePush base images the project names (`edgepush-base/<arch>-busybox`, ...) exist on the
   *  engine that builds, for the device's arch; the CLI and the extension pass device/archBaseImages'. */
  baseImages?: BaseImageProvider;
  /**
   * Makes an `edgepush-base/*` image on this machine's engine when neither it nor the device has it (the CLI and
   * the extension pass device/baseImages.ts's maker; without one, such a push fails saying `edgepush base-images`).
   */
  makeBaseImage?: MakeBaseImage;
}

export type BaseImageProvider = (
  engine: Docker,
  images: { arch: string; kind: 'busybox' | 'node'; name: string }[],
  onLine: (line: string) => void,
) => Promise<void>;

/** Makes the named edgepush-base image on the given engine (dockerode). */
export type MakeBaseImage = (engine: Docker, image: string) => Promise<void>;

/** One log line from `/v2/local/logs`; a line without `serviceName` is a system line. */
export const DeviceLogLineSchema = z.object({
  message: z.string(),
  timestamp: z.number().optional(),
  serviceName: z.string().optional(),
  serviceId: z.number().optional(),
  isStdErr: z.boolean().optional(),
  isSystem: z.boolean().optional(),
  /** Lines were lost here (a slow reader, or a flood the device skipped): shown whatever the filter. */
  gap: z.boolean().optional(),
});
export type DeviceLogLine = z.infer<typeof DeviceLogLineSchema>;

/** A device found on the network (mDNS) or probed at a known address. */
export interface DiscoveredDevice {
  address: string;
  /** mDNS instance name (the device's host name), or the address when probed directly. */
  name: string;
  /** How it was found. */
  source: 'mdns' | 'manual' | 'simulated';
  /** The network interface the mDNS reply came in on, when known. */
  interface?: string;
  /** The supervisor answered `/ping` on 48484: local mode is on. */
  localMode: boolean;
  /** The engine answered on 2375: a development image. */
  development: boolean;
  supervisorVersion?: string;
  deviceType?: string;
  arch?: string;
}
