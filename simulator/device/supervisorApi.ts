// The supervisor API on ADDRESS:48484, local mode: a route table whose handlers validate and hand off to the
// reconciler, the log hub and the event bus. Replies use the real supervisor's status codes and shapes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import type Docker from 'dockerode';
import type { Reconciler } from './reconciler.js';
import type { LogHub } from './logHub.js';
import type { UpdateEventBus } from './updateEventBus.js';
import type { ContainerLogs } from './containerLogs.js';
import { localStateSchema, normalizeApps, checkUnique } from './targetState.js';
import { downloadsInProgress, statusBody } from './deviceStatus.js';
import { runServiceAction, type ServiceAction } from './serviceActions.js';
import { purgeApp } from './appPurge.js';
import { isEngineDown } from './currentState.js';
import { matchRoute, readJson, requestUrl, guarded, sendFailed, sendJson, sendText, sendError, type Route } from './http.js';
import { EdgePushError, messageOf } from '../shared/errors.js';
import { carriesKey } from './apiKey.js';

export const SUPERVISOR_VERSION = '14.11.4';
export const TARGET_STATE_LIMIT = 1 << 20;
/** A log follower that connects this soon after a target-state POST first gets the lines since that POST. */
export const PUSH_REPLAY_MS = 15000;

export interface SupervisorApiDeps {
  docker: Docker;
  reconciler: Reconciler;
  hub: LogHub;
  events: UpdateEventBus;
  logs: ContainerLogs;
  info: { arch: string; deviceType: string; uuid: string; address: string };
  apiKey?: string;
  stats(): { receivedBytes: number; linkBytesPerSecond: number | null; linkBitsPerSecond: number | null };
  /** Extra routes (delta receive). */
  extraRoutes?: Route[];
}

const actionBody = z.object({ serviceName: z.string().optional(), imageId: z.number().int().optional(), force: z.boolean().optional() });

export function supervisorHandler(deps: SupervisorApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { reconciler, hub, events } = deps;
  let lastTargetAt = 0;

  const serviceAction = (action: ServiceAction) => async (req: IncomingMessage, res: ServerResponse, p: Record<string, string>) => {
    const appId = Number(p.appId);
    if (!Number.isInteger(appId) || appId <= 0) return sendFailed(res, 400, 'Missing app id');
    const parsed = actionBody.safeParse(await readJson(req, 64 * 1024));
    if (!parsed.success) return sendFailed(res, 400, 'Invalid body: expected {serviceName} or {imageId}');
    const { serviceName, imageId, force } = parsed.data;
    if (serviceName === undefined && imageId === undefined) return sendFailed(res, 400, 'Missing image id or service name');
    await runServiceAction(deps, action, appId, { serviceName, imageId }, force ?? false);
    sendText(res, 200, 'OK');
  };

  const appAction = (action: ServiceAction) => async (req: IncomingMessage, res: ServerResponse, p: Record<string, string>) => {
    const appId = Number(p.appId ?? ((await readJson(req, 64 * 1024)) as { appId?: unknown }).appId);
    if (!Number.isInteger(appId) || appId <= 0) return sendFailed(res, 400, 'Missing app id');
    await runServiceAction(deps, action, appId, 'all', false);
    sendText(res, 200, 'OK');
  };

  const purge = async (req: IncomingMessage, res: ServerResponse, p: Record<string, string>) => {
    const body = z.object({ appId: z.coerce.number().optional(), force: z.boolean().optional() }).safeParse((await readJson(req, 64 * 1024)) ?? {});
    if (!body.success) return sendFailed(res, 400, 'Invalid body: expected {appId, force}');
    const appId = Number(p.appId ?? body.data.appId);
    if (!Number.isInteger(appId) || appId <= 0) return sendFailed(res, 400, 'Missing app id');
    await purgeApp(deps, appId, body.data.force ?? false);
    sendJson(res, 200, { Data: 'OK', Error: '' });
  };

  // A simulated device has no OS to reboot: it restarts every service, which is what its apps see of a reboot.
  const reboot = async (req: IncomingMessage, res: ServerResponse) => {
    const force = ((await readJson(req, 64 * 1024).catch(() => undefined)) as { force?: unknown } | undefined)?.force === true;
    hub.system('Rebooting (simulated device: restarting its services)');
    for (const app of reconciler.targetApps) {
      await runServiceAction(deps, 'restart', app.appId, 'all', force).catch((err: unknown) => {
        if (!EdgePushError.is(err, 'not-found')) throw err;
      });
    }
    sendJson(res, 202, { Data: 'OK', Error: null });
  };

  const routes: Route[] = [
    { method: 'GET', path: '/ping', handler: (_q, res) => sendText(res, 200, 'OK') },
    { method: 'GET', path: '/v1/healthy', handler: (_q, res) => sendText(res, 200, 'OK') },
    { method: 'GET', path: '/v2/version', handler: (_q, res) => sendJson(res, 200, { status: 'success', version: SUPERVISOR_VERSION }) },
    { method: 'GET', path: '/v2/local/device-info', handler: (_q, res) => sendJson(res, 200, { status: 'success', info: { arch: deps.info.arch, deviceType: deps.info.deviceType } }) },
    { method: 'GET', path: '/v2/device/name', handler: (_q, res) => sendJson(res, 200, { status: 'success', deviceName: reconciler.state.local.name ?? '' }) },
    { method: 'GET', path: '/v2/local/target-state', handler: (_q, res) => sendJson(res, 200, { status: 'success', state: reconciler.state }) },
    {
      method: 'POST',
      path: '/v2/local/target-state',
      handler: async (req, res) => {
        const body = await readJson(req, TARGET_STATE_LIMIT);
        const parsed = localStateSchema.safeParse(body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          return sendFailed(res, 400, `Invalid target state: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'wrong shape'}`);
        }
        const dup = checkUnique(normalizeApps(parsed.data));
        if (dup) return sendFailed(res, 400, `Invalid target state: ${dup}`);
        lastTargetAt = Date.now();
        hub.system('Applying target state');
        reconciler.setTarget(parsed.data);
        sendJson(res, 200, { status: 'success', message: 'OK' });
      },
    },
    {
      method: 'GET',
      path: '/v2/state/status',
      handler: async (_q, res) => {
        const containers = await reconciler.currentContainers();
        const ids = new Map<string, string | null>();
        for (const a of reconciler.targetApps) for (const s of a.services) ids.set(s.image, await reconciler.imageIdFor(s.image));
        sendJson(res, 200, statusBody(reconciler, containers, ids, downloadsInProgress(events.snapshot(), (appId) => reconciler.release(appId))));
      },
    },
    {
      method: 'GET',
      path: '/v2/containerId',
      handler: async (_q, res, _p, url) => {
        const containers = (await reconciler.currentContainers()).filter((c) => c.state !== 'removing');
        const name = url.searchParams.get('serviceName') ?? url.searchParams.get('service');
        if (name) {
          const c = containers.find((x) => x.serviceName === name);
          if (!c) return sendFailed(res, 503, 'Could not find service with that name');
          return sendJson(res, 200, { status: 'success', containerId: c.id });
        }
        sendJson(res, 200, { status: 'success', services: Object.fromEntries(containers.map((c) => [c.serviceName, c.id])) });
      },
    },
    {
      method: 'GET',
      path: '/v2/local/logs',
      handler: (_q, res, _p, url) => {
        const since = Number(url.searchParams.get('since') ?? NaN);
        const replayFrom = Number.isFinite(since) ? since : Date.now() - lastTargetAt < PUSH_REPLAY_MS ? lastTargetAt : Infinity;
        hub.follow(res, Number.isFinite(replayFrom) ? hub.since(replayFrom) : []);
      },
    },
    { method: 'POST', path: '/v2/applications/:appId/restart-service', handler: serviceAction('restart') },
    { method: 'POST', path: '/v2/applications/:appId/stop-service', handler: serviceAction('stop') },
    { method: 'POST', path: '/v2/applications/:appId/start-service', handler: serviceAction('start') },
    { method: 'POST', path: '/v2/applications/:appId/restart', handler: appAction('restart') },
    { method: 'POST', path: '/v1/restart', handler: appAction('restart') },
    { method: 'POST', path: '/v1/apps/:appId/stop', handler: appAction('stop') },
    { method: 'POST', path: '/v1/apps/:appId/start', handler: appAction('start') },
    { method: 'POST', path: '/v2/applications/:appId/purge', handler: purge },
    { method: 'POST', path: '/v1/purge', handler: purge },
    { method: 'POST', path: '/v1/reboot', handler: reboot },
    { method: 'GET', path: '/v2/edgepush/events', handler: (req, res) => streamEvents(req, res, events) },
    { method: 'GET', path: '/v2/edgepush/stats', handler: (_q, res) => sendJson(res, 200, { status: 'success', ...deps.stats(), uuid: deps.info.uuid }) },
    ...(deps.extraRoutes ?? []),
  ];

  const answerError = (err: unknown, _req: IncomingMessage, res: ServerResponse) => {
    if (isEngineDown(err)) {
      hub.system(`Engine not reachable: ${messageOf(err)}`);
      return sendFailed(res, 503, `Engine not reachable: ${messageOf(err)}`);
    }
    sendError(res, err);
  };

  return guarded((req, res) => {
    const url = requestUrl(req);
    if (deps.apiKey && url.pathname !== '/ping' && !carriesKey(req, url, deps.apiKey)) {
      req.resume();
      return sendText(res, 401, 'Unauthorized');
    }
    const m = matchRoute(routes, req.method ?? 'GET', url.pathname);
    if (m === undefined) return sendText(res, 404, 'Not Found');
    if (m === 'method') return sendText(res, 405, 'Method Not Allowed');
    return m.route.handler(req, res, m.params, url);
  }, answerError);
}

function streamEvents(req: IncomingMessage, res: ServerResponse, events: UpdateEventBus): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.write(': edgepush update events\n\n');
  const send = (e: unknown) => {
    if (res.writableLength < 1 << 20) res.write(`data: ${JSON.stringify(e)}\n\n`);
  };
  for (const e of events.snapshot()) send(e);
  const off = events.subscribe(send);
  const ping = setInterval(() => res.write(': ping\n\n'), 15000);
  const done = () => {
    off();
    clearInterval(ping);
  };
  req.on('close', done);
  res.on('close', done);
}
