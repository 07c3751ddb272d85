// The image delta container (version 1), see README.md "Image delta format":
//   magic "EPIMGDLT" | version u32 LE = 1 | headerLength u32 LE | header (brotli-compressed JSON, schema below)
//   then, for each target layer with source "delta" (in order), one complete byte delta of deltaBytes bytes.
// The header alone tells a device which basis it needs and what the result will be.
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import * as z from 'zod';
import { corrupt, invalidInput } from '../shared/errors.js';
import type { ByteReader } from './byteReader.js';

export const IMAGE_DELTA_MAGIC = Buffer.from('EPIMGDLT', 'latin1');
export const IMAGE_DELTA_VERSION = 1;
const MAX_HEADER = 16 << 20;

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/);

export const imageDeltaHeaderSchema = z.object({
  format: z.literal('edgepush-image-delta'),
  version: z.literal(1),
  /** null: no basis needed (first push); every layer is a delta against empty input. */
  basis: z
    .object({
      imageId: digest,
      /** Basis layers concatenated, in this order, as the old input of every byte delta. */
      oldLayers: z.array(digest),
      /** Basis layers reused as they are (same diff id in the target). */
      reusedLayers: z.array(digest),
    })
    .nullable(),
  target: z.object({
    imageId: digest,
    repoTags: z.array(z.string()),
    /** The image config JSON text, exactly (its UTF-8 bytes hash to imageId). */
    config: z.string(),
    /** Bytes of the docker-save archive that apply produces. */
    archiveSize: z.number().int().nonnegative(),
    /** Config plus layer tars, uncompressed. */
    imageBytes: z.number().int().nonnegative(),
    layers: z.array(
      z.object({
        diffId: digest,
        size: z.number().int().nonnegative(),
        /** basis: reused from the basis; delta: a payload follows; repeat: same diff id as an earlier layer. */
        source: z.enum(['basis', 'delta', 'repeat']),
        deltaBytes: z.number().int().nonnegative(),
      }),
    ),
  }),
});

export type ImageDeltaHeader = z.infer<typeof imageDeltaHeaderSchema>;

export function encodeImageDeltaHeader(h: ImageDeltaHeader): Buffer {
  const json = brotliCompressSync(Buffer.from(JSON.stringify(h), 'utf8'));
  const pre = Buffer.alloc(16);
  IMAGE_DELTA_MAGIC.copy(pre, 0);
  pre.writeUInt32LE(IMAGE_DELTA_VERSION, 8);
  pre.writeUInt32LE(json.length, 12);
  return Buffer.concat([pre, json]);
}

export async function decodeImageDeltaHeader(reader: ByteReader): Promise<ImageDeltaHeader> {
  const pre = await reader.read(16, 'the image delta header');
  if (!pre.subarray(0, 8).equals(IMAGE_DELTA_MAGIC)) throw invalidInput('not an EdgePush image delta (bad magic)');
  const version = pre.readUInt32LE(8);
  if (version !== IMAGE_DELTA_VERSION) throw invalidInput(`unsupported image delta version ${version}`);
  const len = pre.readUInt32LE(12);
  if (len > MAX_HEADER) throw corrupt('image delta header too large');
  const body = await reader.read(len, 'the image delta header');
  let json: unknown;
  try {
    json = JSON.parse(brotliDecompressSync(body, { maxOutputLength: 4 * MAX_HEADER }).toString('utf8'));
  } catch {
    throw corrupt('image delta header does not decode');
  }
  const parsed = imageDeltaHeaderSchema.safeParse(json);
  if (!parsed.success) throw corrupt(`image delta header is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}
