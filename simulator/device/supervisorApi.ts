// The supervisor API on ADDRESS:48484, local mode: a route table whose handlers parse and validate (a schema for
// every body) and hand off to a DeviceBackend (deviceBackend.ts). Replies use the real supervisor's status codes
// and shapes; errors map to status codes in one place (shared/errors.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import type { DeviceBackend, ServiceAction } from './deviceBackend.js';
import { localStateSchema, normalizeApps, checkUnique } from './targetState.js';
import { isEngineDown } from './currentState.js';
import { matchRoute, readJson, requestUrl, guarded, sendFailed, sendJson, sendText, sendError, type Route } from './http.js';
import { messageOf } from '../shared/errors.js';
import { carriesKey } from './apiKey.js';

export const SUPERVISOR_VERSION = '14.11.4';
export const TARGET_STATE_LIMIT = 1 << 20;
/** A log follower that connects this soon after a target-state POST first gets the lines since that POST. */
export const PUSH_REPLAY_MS = 15000;
const SMALL_BODY = 64 * 1024;

export interface SupervisorApiOptions {
  apiKey?: string;
  /** A stock device: no `/v2/edgepush/*` routes and no `?since=` replay on `/v2/local/logs`. */
  stock?: boolean;
  /** Extra routes (delta receive). */
  extraRoutes?: Route[];
}

const appIdSchema = z.coerce.number().int().positive();
const serviceActionBody = z.object({
  serviceName: z.string().optional(),
  imageId: z.number().int().optional(),
  force: z.boolean().optional(),
});
const appActionBody = z.object({ appId: z.unknown().optional(), force: z.boolean().optional() }).loose();
const purgeBody = z.object({ appId: z.coerce.number().optional(), force: z.boolean().optional() });
const rebootBody = z.object({ force: z.boolean().optional() }).loose();

/** The app id from the path, else from the body; undefined when neither is a positive integer. */
function appIdOf(p: Record<string, string>, body?: { appId?: unknown }): number | undefined {
  const r = appIdSchema.safeParse(p.appId ?? body?.appId);
  return r.success ? r.data : undefined;
}

export function supervisorHandler(
  backend: DeviceBackend,
  opts: SupervisorApiOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  let lastTargetAt = 0;

  const serviceAction = (action: ServiceAction) => async (req: IncomingMessage, res: ServerResponse, p: Record<string, string>) => {
    const appId = appIdOf(p);
    if (appId === undefined) return sendFailed(res, 400, 'Missing app id');
    const parsed = serviceActionBody.safeParse(await readJson(req, SMALL_BODY));
    if (!parsed.success) return sendFailed(res, 400, 'Invalid body: expected {serviceName} or {imageId}');
    const { serviceName, imageId, force } = parsed.data;
    if (serviceName === undefined && imageId === undefined) return sendFailed(res, 400, 'Missing image id or service name');
    await backend.serviceAction(action, appId, { serviceName, imageId }, force ?? false);
    sendText(res, 200, 'OK');
  };

  const appAction = (action: ServiceAction) => async (req: IncomingMessage, res: ServerResponse, p: Record<string, string>) => {
    const body = appActionBody.safeParse((await readJson(req, SMALL_BODY)) ?? {});
    const appId = appIdOf(p, body.success ? body.data : undefined);
    if (appId === undefined) return sendFailed(res, 400, 'Missing app id');
    await backend.serviceAction(action, appId, 'all', false);
    sendText(res, 200, 'OK');
  };

  const purge = async (req: IncomingMessage, res: ServerResponse, p: Record<string, string>) => {
    const body = purgeBody.safeParse((await readJson(req, SMALL_BODY)) ?? {});
    if (!body.success) return sendFailed(res, 400, 'Invalid body: expected {appId, force}');
    const appId = appIdOf(p, body.data);
    if (appId === undefined) return sendFailed(res, 400, 'Missing app id');
    await backend.purge(appId, body.data.force ?? false);
    sendJson(res, 200, { Data: 'OK', Error: '' });
  };

  const reboot = async (req: IncomingMessage, res: ServerResponse) => {
    const body = rebootBody.safeParse((await readJson(req, SMALL_BODY).catch(() => undefined)) ?? {});
    await backend.reboot(body.success ? (body.data.force ?? false) : false);
    sendJson(res, 202, { Data: 'OK', Error: null });
  };

  const routes: Route[] = [
    { method: 'GET', path: '/ping', handler: (_q, res) => sendText(res, 200, 'OK') },
    { method: 'GET', path: '/v1/healthy', handler: (_q, res) => sendText(res, 200, 'OK') },
    { method: 'GET', path: '/v2/version', handler: (_q, res) => sendJson(res, 200, { status: 'success', version: SUPERVISOR_VERSION }) },
    {
      method: 'GET',
      path: '/v2/local/device-info',
      handler: (_q, res) =>
        sendJson(res, 200, { status: 'success', info: { arch: backend.info.arch, deviceType: backend.info.deviceType } }),
    },
    {
      method: 'GET',
      path: '/v2/device/name',
      handler: (_q, res) => sendJson(res, 200, { status: 'success', deviceName: backend.deviceName() }),
    },
    {
      method: 'GET',
      path: '/v2/local/target-state',
      handler: (_q, res) => sendJson(res, 200, { status: 'success', state: backend.targetState() }),
    },
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
        backend.setTarget(parsed.data);
        sendJson(res, 200, { status: 'success', message: 'OK' });
      },
    },
    {
      method: 'GET',
      path: '/v2/state/status',
      handler: async (_q, res) => sendJson(res, 200, await backend.status()),
    },
    {
      method: 'GET',
      path: '/v2/containerId',
      handler: async (_q, res, _p, url) => {
        const services = await backend.containerIds();
        const name = url.searchParams.get('serviceName') ?? url.searchParams.get('service');
        if (name) {
          const id = Object.hasOwn(services, name) ? services[name] : undefined;
          if (!id) return sendFailed(res, 503, 'Could not find service with that name');
          return sendJson(res, 200, { status: 'success', containerId: id });
        }
        sendJson(res, 200, { status: 'success', services });
      },
    },
    {
      method: 'GET',
      path: '/v2/local/logs',
      handler: (_q, res, _p, url) => {
        const since = opts.stock ? NaN : Number(url.searchParams.get('since') ?? NaN);
        const replayFrom = Number.isFinite(since) ? since : Date.now() - lastTargetAt < PUSH_REPLAY_MS ? lastTargetAt : undefined;
        backend.followLogs(res, replayFrom);
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
    ...(opts.stock
      ? []
      : [
          {
            method: 'GET',
            path: '/v2/edgepush/events',
            handler: (req: IncomingMessage, res: ServerResponse) => streamEvents(req, res, backend),
          },
          {
            method: 'GET',
            path: '/v2/edgepush/stats',
            handler: (_q: IncomingMessage, res: ServerResponse) =>
              sendJson(res, 200, { status: 'success', ...backend.stats(), uuid: backend.info.uuid }),
          },
        ]),
    ...(opts.extraRoutes ?? []),
  ];

  const answerError = (err: unknown, _req: IncomingMessage, res: ServerResponse) => {
    if (isEngineDown(err)) {
      backend.systemLog(`Engine not reachable: ${messageOf(err)}`);
      return sendFailed(res, 503, `Engine not reachable: ${messageOf(err)}`);
    }
    sendError(res, err);
  };

  return guarded((req, res) => {
    const url = requestUrl(req);
    if (opts.apiKey && url.pathname !== '/ping' && !carriesKey(req, url, opts.apiKey)) {
      req.resume();
      return sendText(res, 401, 'Unauthorized');
    }
    const m = matchRoute(routes, req.method ?? 'GET', url.pathname);
    // As the real supervisor (express) answers both an unknown path and a known path with another method.
    if (m === undefined || m === 'method') return sendText(res, 404, notFoundPage(req.method ?? 'GET', url.pathname));
    return m.route.handler(req, res, m.params, url);
  }, answerError);
}

function notFoundPage(method: string, path: string): string {
  const safe = path.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${method.replace(/[^A-Z]/g, '')} ${safe}</pre>\n</body>\n</html>\n`;
}

function streamEvents(req: IncomingMessage, res: ServerResponse, backend: DeviceBackend): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.write(': edgepush update events\n\n');
  const send = (e: unknown) => {
    if (res.writableLength < 1 << 20) res.write(`data: ${JSON.stringify(e)}\n\n`);
  };
  const { snapshot, unsubscribe: off } = backend.subscribeEvents(send);
  for (const e of snapshot) send(e);
  const ping = setInterval(() => res.write(': ping\n\n'), 15000);
  const done = () => {
    off();
    clearInterval(ping);
  };
  req.on('close', done);
  res.on('close', done);
}
