// zod schemas for the supervisor API answers (local mode) that the push pipeline reads. Loose where the real
// supervisor adds fields (passthrough), strict on the fields we use.
import * as z from 'zod';

export const VersionSchema = z.object({ status: z.literal('success'), version: z.string() });

export const DeviceInfoSchema = z.object({
  status: z.literal('success'),
  info: z.looseObject({ arch: z.string(), deviceType: z.string() }),
});
export type DeviceInfo = z.infer<typeof DeviceInfoSchema>['info'];

export const DeviceNameSchema = z.object({ status: z.literal('success'), deviceName: z.string() });

export const LocalStateSchema = z.looseObject({
  name: z.string().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  apps: z.record(z.string(), z.unknown()).optional(),
});
export type LocalState = z.infer<typeof LocalStateSchema>;

export const TargetStateReplySchema = z.object({
  status: z.literal('success'),
  state: z.object({ local: LocalStateSchema }),
});
export type TargetState = z.infer<typeof TargetStateReplySchema>['state'];

export const StatusReplySchema = z.object({ status: z.string(), message: z.string().optional() });

export const ContainerStatusSchema = z.looseObject({
  status: z.string(),
  serviceName: z.string(),
  appId: z.number().optional(),
  imageId: z.number().optional(),
  serviceId: z.number().optional(),
  containerId: z.string().nullable().optional(),
  createdAt: z.string().nullable().optional(),
  /** EdgePush devices: the healthcheck's verdict (a real supervisor does not say; the engine does). */
  health: z.enum(['starting', 'healthy', 'unhealthy']).optional(),
});
export const ImageStatusSchema = z.looseObject({
  name: z.string(),
  serviceName: z.string().optional(),
  status: z.string(),
  downloadProgress: z.number().nullable().optional(),
  dockerImageId: z.string().nullable().optional(),
});
export const StateStatusSchema = z.looseObject({
  status: z.string(),
  appState: z.string(),
  overallDownloadProgress: z.number().nullable().optional(),
  containers: z.array(ContainerStatusSchema),
  images: z.array(ImageStatusSchema),
  release: z.string().nullable().optional(),
});
export type StateStatus = z.infer<typeof StateStatusSchema>;
export type ContainerStatus = z.infer<typeof ContainerStatusSchema>;

export const ContainerIdsSchema = z.object({ status: z.literal('success'), services: z.record(z.string(), z.string()) });
export const ContainerIdSchema = z.object({ status: z.literal('success'), containerId: z.string() });

/** `/v2/edgepush/stats` of an EdgePush device; the link rate fields are read when the device has them. */
export const EdgepushStatsSchema = z.looseObject({
  receivedBytes: z.number(),
  linkBitsPerSecond: z.number().nullable().optional(),
  linkBytesPerSecond: z.number().nullable().optional(),
});
export type EdgepushStats = z.infer<typeof EdgepushStatsSchema>;
