// What a rollout reports: the `--json` object of `edgepush fleet push` (zod schema, one per wire type), and the
// events it emits while it runs (the CLI's progress lines and the VS Code dashboard render them).
import * as z from 'zod';

export const DeviceOutcomeSchema = z.enum(['running', 'rolled-back', 'failed', 'not-updated', 'unreachable']);
export type DeviceOutcome = z.infer<typeof DeviceOutcomeSchema>;

export const PullMethodSchema = z.enum(['delta', 'layers', 'none']);

export const RolloutDeviceSchema = z.object({
  address: z.string(),
  /** Release (commit) the device ran before, null when it ran nothing. */
  from: z.string().nullable(),
  /** Release it runs at the end (the new one, its previous one after a rollback, or null). */
  to: z.string().nullable(),
  state: DeviceOutcomeSchema,
  bytesFetched: z.number(),
  method: PullMethodSchema,
  /** From the target state's post to the device passing the gate (0 when not updated). */
  seconds: z.number(),
  fault: z.enum(['power', 'link']).optional(),
});
export type RolloutDevice = z.infer<typeof RolloutDeviceSchema>;

export const RolloutReportSchema = z.object({
  fleet: z.string(),
  release: z.string(),
  waves: z.array(z.object({ devices: z.array(z.string()), passed: z.boolean() })),
  devices: z.array(RolloutDeviceSchema),
  /** Bytes the registry sent during the rollout: its own log when it is a registry `edgepush registry start`
   *  runs, else the sum of what the devices fetched (`registryEgressSource`). */
  registryEgressBytes: z.number(),
  registryEgressSource: z.enum(['registry-log', 'devices']),
  /** What N layer pulls (each device from the image it ran) would have cost. */
  layerPullBytes: z.number(),
  /** Each distinct base's delta: bytes, and how many devices ran that base. */
  deltas: z.array(z.object({ service: z.string(), fromImageId: z.string(), deltaBytes: z.number(), devices: z.number() })),
  rolledBack: z.boolean(),
  /** From the start of `fleet push` until the whole fleet ran the release (or the rollout stopped). */
  seconds: z.number(),
  stoppedReason: z.string().optional(),
});
export type RolloutReport = z.infer<typeof RolloutReportSchema>;

export type RolloutEvent =
  | { type: 'step'; message: string }
  | { type: 'plan'; fleet: string; release: string; waves: string[][]; gateTimeoutSeconds: number }
  | { type: 'wave'; wave: number; state: 'updating' | 'gate' | 'passed' | 'failed' }
  | {
      type: 'device';
      address: string;
      state: 'updating' | 'running' | 'failed' | 'rolling-back' | 'rolled-back' | 'fault';
      detail?: string;
      bytesFetched?: number;
      method?: string;
    }
  | { type: 'rollback'; devices: string[]; reason: string }
  | { type: 'report'; report: RolloutReport };
