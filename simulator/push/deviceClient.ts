// A typed client for a local-mode device: the balena supervisor API on :48484 (what a real balenaOS development
// device and `edgepush device` both answer), the EdgePush event stream where the device has one, and the
// device's engine on :2375 through dockerode. Every call has a timeout and honours an AbortSignal.
import Docker from 'dockerode';
import type * as z from 'zod';
import type { EdgePushError } from '../shared/errors.js';
import { invalidInput, notFound, unavailable } from '../shared/errors.js';
import { describeFetchError, httpRequest, parseJson, type CallOptions } from './http.js';
import { ENGINE_PORT, hostForUrl, parseDeviceAddress, SUPERVISOR_PORT } from './deviceAddress.js';
import { readBody, SseParser } from '../shared/lineStream.js';
import { updateEventSchema, type UpdateEvent } from '../shared/updateEvents.js';
import { followLogStream, type FollowLogsOptions } from './logFollow.js';
import {
  ContainerIdSchema,
  EdgepushStatsSchema,
  type EdgepushStats,
  ContainerIdsSchema,
  DeviceInfoSchema,
  DeviceNameSchema,
  StateStatusSchema,
  StatusReplySchema,
  TargetStateReplySchema,
  VersionSchema,
  type DeviceInfo,
  type StateStatus,
  type TargetState,
} from './supervisorSchemas.js';

export { SUPERVISOR_PORT, ENGINE_PORT };
/** In local mode every app is app 1. */
export const LOCAL_APP_ID = 1;

export interface DeviceClientOptions {
  /** Default timeout of one call, ms (default 10000). */
  timeoutMs?: number;
  /** Overrides a port given in the address (`host:port`). */
  supervisorPort?: number;
  enginePort?: number;
  /**
   * The device's API key, sent as the balena supervisor takes it (`Authorization: Bearer KEY`) on every supervisor
   * call. Local mode needs none; a device started with `--api-key` (or outside local mode) refuses calls without it.
   */
  apiKey?: string;
}

export type ServiceAction = 'restart' | 'stop' | 'start';

export class DeviceClient {
  readonly supervisorUrl: string;
  readonly timeoutMs: number;
  readonly enginePort: number;
  /** Host name or IP address (without the port). */
  readonly host: string;
  private readonly apiKey: string | undefined;
  /** The engine connection, shared with the clients `withTimeout` makes of this one. */
  private readonly shared: { engine?: Docker };

  /** `address`: `host`, `host:port` or `[v6]:port` (the supervisor's port; 48484 when not given). */
  constructor(
    private readonly address: string,
    private readonly options: DeviceClientOptions = {},
    shared: { engine?: Docker } = {},
  ) {
    const opts = options;
    this.shared = shared;
    if (!address || /[/\s]/.test(address)) throw invalidInput(`'${address}' is not a device address or host name`);
    const parsed = parseDeviceAddress(address);
    this.host = parsed.host;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.enginePort = opts.enginePort ?? ENGINE_PORT;
    this.apiKey = opts.apiKey || undefined;
    this.supervisorUrl = `http://${hostForUrl(parsed.host)}:${opts.supervisorPort ?? parsed.supervisorPort}`;
  }

  /** The headers every supervisor call carries: the API key, when the device has one. */
  authHeaders(): Record<string, string> {
    return this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {};
  }

  private opts(o?: CallOptions): CallOptions {
    return { signal: o?.signal, timeoutMs: o?.timeoutMs ?? this.timeoutMs };
  }

  private async getJson<T>(path: string, schema: z.ZodType<T>, o?: CallOptions): Promise<T> {
    const url = this.supervisorUrl + path;
    const r = await httpRequest(url, { headers: this.authHeaders() }, this.opts(o));
    if (r.status !== 200) throw this.statusError(path, r.status, r.text);
    return parseJson(url, r.text, schema);
  }

  private statusError(path: string, status: number, text: string): EdgePushError {
    let message = text.slice(0, 200);
    try {
      const body = JSON.parse(text) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      /* plain text */
    }
    const what = `device ${this.host}: ${path} answered ${status}: ${message}`;
    if (status === 401 || status === 403)
      return unavailable(
        `device ${this.host} refused the call (${status}): ${this.apiKey ? 'the API key is wrong' : 'it needs an API key (--api-key or EDGEPUSH_API_KEY)'}`,
      );
    if (status === 404) return notFound(what);
    if (status === 400) return invalidInput(what);
    return unavailable(what);
  }

  /** `GET /ping`: resolves when the supervisor answers (local mode on), else throws `unavailable`. */
  async ping(o?: CallOptions): Promise<void> {
    const r = await httpRequest(`${this.supervisorUrl}/ping`, { headers: this.authHeaders() }, this.opts(o));
    if (r.status !== 200) throw unavailable(`device ${this.host}: /ping answered ${r.status} (is local mode enabled?)`);
  }

  async version(o?: CallOptions): Promise<string> {
    return (await this.getJson('/v2/version', VersionSchema, o)).version;
  }

  async deviceInfo(o?: CallOptions): Promise<DeviceInfo> {
    return (await this.getJson('/v2/local/device-info', DeviceInfoSchema, o)).info;
  }

  /** `GET /v2/device/name`. */
  async deviceName(o?: CallOptions): Promise<string> {
    return (await this.getJson('/v2/device/name', DeviceNameSchema, o)).deviceName;
  }

  async getTargetState(o?: CallOptions): Promise<TargetState> {
    return (await this.getJson('/v2/local/target-state', TargetStateReplySchema, o)).state;
  }

  /** `POST /v2/local/target-state`; the device must be in local mode (else `invalid-input` with its message). */
  async setTargetState(state: TargetState, o?: CallOptions): Promise<void> {
    const path = '/v2/local/target-state';
    const r = await httpRequest(
      this.supervisorUrl + path,
      { method: 'POST', body: JSON.stringify(state), headers: { 'content-type': 'application/json', ...this.authHeaders() } },
      this.opts(o),
    );
    if (r.status !== 200) throw this.statusError(path, r.status, r.text);
    const reply = parseJson(this.supervisorUrl + path, r.text, StatusReplySchema);
    if (reply.status !== 'success') throw unavailable(`device ${this.host}: target state refused: ${reply.message ?? r.text}`);
  }

  async status(o?: CallOptions): Promise<StateStatus> {
    return this.getJson('/v2/state/status', StateStatusSchema, o);
  }

  /** Service name → container id of the running app. */
  async containerIds(o?: CallOptions): Promise<Record<string, string>> {
    return (await this.getJson('/v2/containerId', ContainerIdsSchema, o)).services;
  }

  async containerId(service: string, o?: CallOptions): Promise<string> {
    const path = `/v2/containerId?serviceName=${encodeURIComponent(service)}`;
    const r = await httpRequest(this.supervisorUrl + path, { headers: this.authHeaders() }, this.opts(o));
    if (r.status === 401 || r.status === 403) throw this.statusError(path, r.status, r.text);
    if (r.status !== 200) throw notFound(`device ${this.host}: no container for service '${service}'`);
    return parseJson(this.supervisorUrl + path, r.text, ContainerIdSchema).containerId;
  }

  /** `POST /v2/applications/1/{restart,stop,start}-service` with the service name, as the supervisor has them. */
  async serviceAction(action: ServiceAction, service: string, o?: CallOptions): Promise<void> {
    const path = `/v2/applications/${LOCAL_APP_ID}/${action}-service`;
    const r = await httpRequest(
      this.supervisorUrl + path,
      {
        method: 'POST',
        body: JSON.stringify({ serviceName: service }),
        headers: { 'content-type': 'application/json', ...this.authHeaders() },
      },
      { signal: o?.signal, timeoutMs: o?.timeoutMs ?? Math.max(this.timeoutMs, 30_000) },
    );
    if (r.status !== 200) throw this.statusError(path, r.status, r.text);
  }

  /** A supervisor POST that answers 200 (or 202) when done: restart all, reboot, purge. */
  private async post(path: string, body: unknown, o?: CallOptions): Promise<void> {
    const r = await httpRequest(
      this.supervisorUrl + path,
      { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...this.authHeaders() } },
      { signal: o?.signal, timeoutMs: o?.timeoutMs ?? Math.max(this.timeoutMs, 60_000) },
    );
    if (r.status !== 200 && r.status !== 202) throw this.statusError(path, r.status, r.text);
  }

  /** `POST /v2/applications/1/restart`: every service of the app. */
  restartAll(o?: CallOptions): Promise<void> {
    return this.post(`/v2/applications/${LOCAL_APP_ID}/restart`, {}, o);
  }

  /** `POST /v1/reboot`: a balenaOS device reboots; an EdgePush simulated device restarts its services. */
  reboot(o?: CallOptions & { force?: boolean }): Promise<void> {
    return this.post('/v1/reboot', { force: o?.force ?? false }, o);
  }

  /** `POST /v2/applications/1/purge`: the app's volumes are emptied (removed and made again), its services restarted. */
  purge(o?: CallOptions & { force?: boolean }): Promise<void> {
    return this.post(`/v2/applications/${LOCAL_APP_ID}/purge`, { force: o?.force ?? false }, o);
  }
  restartService(service: string, o?: CallOptions): Promise<void> {
    return this.serviceAction('restart', service, o);
  }
  stopService(service: string, o?: CallOptions): Promise<void> {
    return this.serviceAction('stop', service, o);
  }
  startService(service: string, o?: CallOptions): Promise<void> {
    return this.serviceAction('start', service, o);
  }

  /**
   * EdgePush device figures (`/v2/edgepush/stats`): bytes received over its link so far, and its link rate when it
   * says. Undefined for a device without that endpoint (a real balenaOS device).
   */
  async edgepushStats(o?: CallOptions): Promise<EdgepushStats | undefined> {
    const url = `${this.supervisorUrl}/v2/edgepush/stats`;
    const r = await httpRequest(url, { headers: this.authHeaders() }, this.opts(o));
    if (r.status !== 200) return undefined;
    try {
      const s = EdgepushStatsSchema.safeParse(JSON.parse(r.text));
      return s.success ? s.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** The device's link rate in bits per second when it tells (a simulated device with `--link`), else undefined. */
  async linkBitsPerSecond(o?: CallOptions): Promise<number | undefined> {
    const s = await this.edgepushStats(o);
    if (s?.linkBitsPerSecond) return s.linkBitsPerSecond;
    if (s?.linkBytesPerSecond) return s.linkBytesPerSecond * 8;
    return undefined;
  }

  /** The device's engine (Docker Engine API on :2375; development images only), with the API key where there is one. */
  engine(): Docker {
    // An idle-socket timeout: long enough for a silent RUN step of a slow board's build.
    this.shared.engine ??= new Docker({
      host: this.host,
      port: this.enginePort,
      protocol: 'http',
      timeout: 600_000,
      headers: this.authHeaders(),
    } as Docker.DockerOptions);
    return this.shared.engine;
  }

  /** The same device with another default call timeout: same API key and ports, the same engine connection. */
  withTimeout(timeoutMs: number): DeviceClient {
    return timeoutMs === this.timeoutMs ? this : new DeviceClient(this.address, { ...this.options, timeoutMs }, this.shared);
  }

  /** True when the engine answers on :2375 (a development image). */
  async engineAnswers(o?: CallOptions): Promise<boolean> {
    try {
      const r = await httpRequest(`http://${hostForUrl(this.host)}:${this.enginePort}/_ping`, {}, this.opts(o));
      return r.status === 200;
    } catch {
      return false;
    }
  }

  /**
   * Subscribes to the EdgePush device's update events (SSE). Resolves `false` at once when the device has no event
   * stream (a real balenaOS device), else `true` when the stream ends or the signal aborts. `onOpen` is called once
   * the stream is there (events from then on reach `onEvent`).
   */
  async subscribeEvents(opts: {
    onEvent: (e: UpdateEvent) => void;
    onOpen?: () => void;
    signal?: AbortSignal;
    connectTimeoutMs?: number;
  }): Promise<boolean> {
    const url = `${this.supervisorUrl}/v2/edgepush/events`;
    const connect = new AbortController();
    const timer = setTimeout(() => connect.abort(), opts.connectTimeoutMs ?? this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, connect.signal]) : connect.signal;
    let res: Response;
    try {
      res = await fetch(url, { signal, headers: { accept: 'text/event-stream', ...this.authHeaders() } });
    } catch (err) {
      clearTimeout(timer);
      if (opts.signal?.aborted) return true;
      throw describeFetchError(url, err, opts.signal);
    }
    clearTimeout(timer);
    if (res.status !== 200 || !res.body || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      await res.body?.cancel().catch(() => undefined);
      return false;
    }
    const parser = new SseParser();
    opts.onOpen?.();
    try {
      await readBody(
        res.body,
        (chunk) => {
          for (const m of parser.push(chunk)) {
            let data: unknown;
            try {
              data = JSON.parse(m.data);
            } catch {
              continue;
            }
            const ev = updateEventSchema.safeParse(data);
            if (ev.success) opts.onEvent(ev.data);
          }
        },
        opts.signal,
      );
    } catch (err) {
      if (!opts.signal?.aborted) throw describeFetchError(url, err, opts.signal);
    }
    return true;
  }

  /**
   * Follows `/v2/local/logs` until the signal aborts, reconnecting on its own (device restart, dropped stream,
   * silent stall) without delivering a line twice. `onReconnect` is called at each reconnect, after the gap.
   */
  followLogs(opts: FollowLogsOptions): Promise<void> {
    return followLogStream(this, opts);
  }

  /**
   * Opens the raw log stream once (no reconnect). `since` (ms) asks an EdgePush device to replay lines from then
   * on (a real supervisor ignores it).
   */
  async openLogStream(signal: AbortSignal, since?: number): Promise<ReadableStream<Uint8Array>> {
    const url = `${this.supervisorUrl}/v2/local/logs${since !== undefined ? `?since=${Math.floor(since)}` : ''}`;
    const connect = new AbortController();
    const timer = setTimeout(() => connect.abort(), this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.any([signal, connect.signal]), headers: this.authHeaders() });
    } catch (err) {
      throw describeFetchError(url, err, signal);
    } finally {
      clearTimeout(timer);
    }
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 401 || res.status === 403) throw this.statusError('/v2/local/logs', res.status, '');
      throw unavailable(`device ${this.host}: /v2/local/logs answered ${res.status}`);
    }
    return res.body;
  }
}
