// The typed message protocol between the extension host and its webviews (dashboard and log panel), imported
// by both sides. Three kinds of message:
//   - view → host: `ready` (handshake: the host sends nothing before it), `loadFailed` (from the page's inline
//     loader: the bundle could not be fetched), `request` (a reply is matched by id);
//   - host → view: `response` (to a request), `notify` (state pushed by the host).
// Every message is validated with these schemas on arrival; anything else is dropped.
import * as z from 'zod';
import { ServiceReportSchema } from '../simulator/shared/pushReport.js';

export const ViewKindSchema = z.enum(['dashboard', 'logs']);
export type ViewKind = z.infer<typeof ViewKindSchema>;

// ---- shared models ----

export const ServicePhaseSchema = z.enum(['waiting', 'building', 'shipping', 'downloaded', 'installing', 'running', 'exited', 'failed']);
export type ServicePhaseView = z.infer<typeof ServicePhaseSchema>;

/** The push report's line, as the push pipeline makes it (one schema for both). */
export const ServiceReportViewSchema = ServiceReportSchema;
export type ServiceReportView = z.infer<typeof ServiceReportViewSchema>;

export const ServiceTimelineSchema = z.object({
  name: z.string(),
  phase: ServicePhaseSchema,
  percent: z.number().optional(),
  bytes: z.number().optional(),
  message: z.string().optional(),
  /** Phases reached so far with the time (ms since push start) each was entered. */
  history: z.array(z.object({ phase: ServicePhaseSchema, atMs: z.number() })),
});
export type ServiceTimeline = z.infer<typeof ServiceTimelineSchema>;

export const PushStatusSchema = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export type PushStatus = z.infer<typeof PushStatusSchema>;

export const PushViewSchema = z.object({
  id: z.number(),
  device: z.string(),
  project: z.string(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  status: PushStatusSchema,
  step: z.string().optional(),
  error: z.string().optional(),
  release: z.string().optional(),
  services: z.array(ServiceTimelineSchema),
  report: z.array(ServiceReportViewSchema).optional(),
  /** Bits per second of the device link, when known (for times at the link rate). */
  linkBitsPerSecond: z.number().optional(),
});
export type PushView = z.infer<typeof PushViewSchema>;

export const DeviceViewSchema = z.object({
  address: z.string(),
  name: z.string(),
  source: z.string(),
  online: z.boolean().optional(),
  deviceType: z.string().optional(),
  arch: z.string().optional(),
  supervisorVersion: z.string().optional(),
  release: z.string().optional(),
  linkRate: z.string().optional(),
  services: z.array(z.object({ name: z.string(), status: z.string() })),
});
export type DeviceView = z.infer<typeof DeviceViewSchema>;

export const DashboardStateSchema = z.object({
  target: DeviceViewSchema.optional(),
  current: PushViewSchema.optional(),
  history: z.array(PushViewSchema),
  livepush: z.boolean(),
});
export type DashboardState = z.infer<typeof DashboardStateSchema>;

/** A fleet rollout as the dashboard shows it (built from the rollout's events by extension/fleets/rolloutModel.ts). */
export const RolloutDeviceStateSchema = z.enum(['waiting', 'updating', 'fault', 'running', 'failed', 'rolling-back', 'rolled-back']);
export const RolloutViewSchema = z.object({
  fleet: z.string(),
  release: z.string().optional(),
  status: z.enum(['running', 'succeeded', 'rolled-back', 'failed', 'cancelled']),
  step: z.string().optional(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  gateTimeoutSeconds: z.number().optional(),
  waves: z.array(z.object({ devices: z.number(), state: z.enum(['pending', 'updating', 'gate', 'passed', 'failed']) })),
  devices: z.array(z.object({ address: z.string(), state: RolloutDeviceStateSchema, detail: z.string().optional() })),
  rollback: z.object({ devices: z.number(), reason: z.string() }).optional(),
  /** Filled in by the final report. */
  registryEgressBytes: z.number().optional(),
  layerPullBytes: z.number().optional(),
  error: z.string().optional(),
});
export type RolloutView = z.infer<typeof RolloutViewSchema>;

export const LogEntrySchema = z.object({
  seq: z.number(),
  timestamp: z.number(),
  kind: z.enum(['line', 'system', 'reconnect', 'gap']),
  service: z.string().optional(),
  message: z.string(),
  stderr: z.boolean().optional(),
});
export type LogEntry = z.infer<typeof LogEntrySchema>;

// ---- view → host ----

export const ReadyMessageSchema = z.object({ kind: z.literal('ready'), view: ViewKindSchema });
/** Sent by the page's inline loader when the bundle could not be fetched: the host loads the page again. */
export const LoadFailedMessageSchema = z.object({ kind: z.literal('loadFailed'), view: ViewKindSchema, load: z.number().int() });

export const RequestBodySchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('push') }),
  z.object({ method: z.literal('showLogs') }),
  z.object({ method: z.literal('toggleLivepush') }),
  z.object({ method: z.literal('restartService'), service: z.string() }),
  z.object({ method: z.literal('clearLogs') }),
  /** Copy these lines (the selection, as text) to the clipboard. */
  z.object({ method: z.literal('copyText'), text: z.string().max(64 << 20) }),
  /** Save these lines (as text) to a file the user picks. */
  z.object({ method: z.literal('saveLogs'), text: z.string().max(64 << 20) }),
]);
export type RequestBody = z.infer<typeof RequestBodySchema>;

export const RequestMessageSchema = z.object({ kind: z.literal('request'), id: z.number().int(), body: RequestBodySchema });
export type RequestMessage = z.infer<typeof RequestMessageSchema>;

export const ViewToHostSchema = z.discriminatedUnion('kind', [ReadyMessageSchema, LoadFailedMessageSchema, RequestMessageSchema]);
export type ViewToHost = z.infer<typeof ViewToHostSchema>;

// ---- host → view ----

export const NotificationBodySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dashboard/state'), state: DashboardStateSchema }),
  /** The latest fleet rollout (Push to Fleet), sent as it goes. */
  z.object({ type: z.literal('dashboard/rollout'), rollout: RolloutViewSchema }),
  z.object({
    type: z.literal('logs/init'),
    device: z.string(),
    capacity: z.number().int().positive(),
    entries: z.array(LogEntrySchema),
  }),
  z.object({ type: z.literal('logs/append'), entries: z.array(LogEntrySchema) }),
  z.object({ type: z.literal('logs/clear') }),
  /** Show only this service (Show Logs on a service in the tree). */
  z.object({ type: z.literal('logs/focus'), service: z.string() }),
]);
export type NotificationBody = z.infer<typeof NotificationBodySchema>;

export const ResponseMessageSchema = z.object({
  kind: z.literal('response'),
  id: z.number().int(),
  ok: z.boolean(),
  error: z.string().optional(),
});
export type ResponseMessage = z.infer<typeof ResponseMessageSchema>;

export const HostToViewSchema = z.discriminatedUnion('kind', [
  ResponseMessageSchema,
  z.object({ kind: z.literal('notify'), body: NotificationBodySchema }),
]);
export type HostToView = z.infer<typeof HostToViewSchema>;

/** Parses a message from the other side; undefined for anything that does not match the protocol. */
export function parseViewToHost(data: unknown): ViewToHost | undefined {
  const r = ViewToHostSchema.safeParse(data);
  return r.success ? r.data : undefined;
}

export function parseHostToView(data: unknown): HostToView | undefined {
  const r = HostToViewSchema.safeParse(data);
  return r.success ? r.data : undefined;
}
