// What one image update costs on the wire, per method. Shared by the push pipeline (report per service), the
// device and the dashboard, so it is a schema: parse it wherever it crosses a process or HTTP boundary.
import * as z from 'zod';

export const layerDeltaReportSchema = z.object({
  diffId: z.string(),
  /** Uncompressed layer tar size. */
  size: z.number().int().nonnegative(),
  /** shared: the basis has a layer with the same diff id (costs nothing); changed: sent as a delta. */
  status: z.enum(['shared', 'changed']),
  layerPullBytes: z.number().int().nonnegative(),
  librsyncBytes: z.number().int().nonnegative(),
  deltaBytes: z.number().int().nonnegative(),
});

export const imageDeltaReportSchema = z.object({
  targetImageId: z.string(),
  /** null on a first push: no basis on the device, the delta is the compressed full image. */
  basisImageId: z.string().nullable(),
  /** Full image: config plus every layer tar, uncompressed (what `docker save` holds). */
  imageBytes: z.number().int().nonnegative(),
  /** What a registry layer pull would send: gzip -6 of the layers the basis lacks. */
  layerPullBytes: z.number().int().nonnegative(),
  /** balenaEngine's method: librsync, 512-byte blocks, against the basis layers (an rsync-style estimate). */
  librsyncBytes: z.number().int().nonnegative(),
  /** EdgePush: the image delta file, header included. */
  deltaBytes: z.number().int().nonnegative(),
  layers: z.array(layerDeltaReportSchema),
  /** Wall time spent computing the report (and the delta). */
  seconds: z.number().nonnegative(),
});

export type LayerDeltaReport = z.infer<typeof layerDeltaReportSchema>;
export type ImageDeltaReport = z.infer<typeof imageDeltaReportSchema>;
