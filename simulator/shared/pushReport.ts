// One service's line of the push report (`edgepush push --json`, the CLI table, the dashboard): one schema for
// the push pipeline that makes it and the dashboard webview that shows it.
import * as z from 'zod';

/** How a locally built image reached the device: a delta to EdgePush's agent, a delta rebuilt by a helper
 *  container on a stock device's engine, or the full image (`docker load`). */
export const SHIP_METHODS = ['delta-agent', 'delta-helper', 'load'] as const;
export type ShipMethod = (typeof SHIP_METHODS)[number];

/** One service's line in the delta report. Byte counts are whole bytes; `transferSeconds` is at the link rate. */
export const ServiceReportSchema = z.object({
  name: z.string(),
  /** Uncompressed size of the new image (`docker save` tar). */
  imageBytes: z.number().int().nonnegative(),
  /** What a registry-style layer pull would send: gzip of the layers the device does not have yet. */
  layerPullBytes: z.number().int().nonnegative(),
  /** What balenaEngine's librsync delta (512-byte blocks) would send. */
  librsyncBytes: z.number().int().nonnegative(),
  /** What EdgePush's delta against the image the device runs would send. */
  deltaBytes: z.number().int().nonnegative(),
  /** What actually crossed the wire to the device for this service in this push (build context, delta or image). */
  sentBytes: z.number().int().nonnegative(),
  /** `sentBytes` at the device's link rate (measured wall time when the rate is not known). */
  transferSeconds: z.number().nonnegative(),
  /** How the image got there (`--build-on local` only; absent when the device built it or already had it). */
  method: z.enum(SHIP_METHODS).optional(),
  /** What setting up the delta helper cost on this push, on top of `sentBytes` (0 when it was there or not needed). */
  helperBytes: z.number().int().nonnegative().optional(),
  /**
   * The service's state on the device when the push finished: the supervisor's (`Running`, ...), or what the engine
   * shows when the container is not really up: `Restarting (exit N, K restarts)`, `exited`, `exited (code N)`.
   */
  state: z.string(),
});
export type ServiceReport = z.infer<typeof ServiceReportSchema>;
