// Update events: what `/v2/edgepush/events` streams as Server-Sent Events (`data: <json>\n\n`). One schema for
// both ends: the device emits them (device/updateEventBus.ts), the push pipeline and the extension parse them.
import * as z from 'zod';

export const servicePhaseSchema = z.enum([
  'waiting', // held back (updates.lock) or waiting for its image
  'downloading', // image or delta being received
  'downloaded',
  'installing', // container being created
  'starting',
  'running',
  'handing-over',
  'stopping',
  'stopped',
  'exited',
  'failed',
  'removed',
]);
export type ServicePhase = z.infer<typeof servicePhaseSchema>;

export const serviceEventSchema = z.object({
  type: z.literal('service'),
  time: z.number(),
  appId: z.number(),
  serviceName: z.string(),
  phase: servicePhaseSchema,
  release: z.string(),
  /** 0..100 while downloading/applying a delta, else omitted. */
  progress: z.number().min(0).max(100).optional(),
  bytesReceived: z.number().optional(),
  message: z.string().optional(),
  containerId: z.string().optional(),
  exitCode: z.number().optional(),
});

export const deviceEventSchema = z.object({
  type: z.literal('device'),
  time: z.number(),
  /** applying | applied (as /v2/state/status appState), or offline when the engine does not answer. */
  state: z.enum(['applying', 'applied', 'offline']),
  release: z.string().nullable(),
  /** Total bytes this device has received over its link (build contexts through :2375, deltas). */
  bytesReceived: z.number(),
  message: z.string().optional(),
});

export const transferEventSchema = z.object({
  type: z.literal('transfer'),
  time: z.number(),
  /** 'build' (context through the engine endpoint) or 'delta' (PUT /v2/edgepush/deltas/:id). */
  kind: z.enum(['build', 'delta']),
  id: z.string(),
  bytes: z.number(),
  total: z.number().nullable(),
  done: z.boolean(),
});

export const updateEventSchema = z.discriminatedUnion('type', [serviceEventSchema, deviceEventSchema, transferEventSchema]);
export type UpdateEvent = z.infer<typeof updateEventSchema>;
export type ServiceEvent = z.infer<typeof serviceEventSchema>;
export type DeviceEvent = z.infer<typeof deviceEventSchema>;
export type TransferEvent = z.infer<typeof transferEventSchema>;

type Without<T> = T extends unknown ? Omit<T, 'time'> : never;
export type UpdateEventInput = Without<UpdateEvent>;

/** Parses one SSE `data:` payload; throws a zod error when it is not an update event. */
export function parseUpdateEvent(data: string): UpdateEvent {
  return updateEventSchema.parse(JSON.parse(data));
}
