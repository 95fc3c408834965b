/**
 * Image intake for send_image. Only real raster images pass: the bytes must start like JPEG, PNG,
 * WebP, GIF or AVIF (so SVG, HTML and polyglots never reach a decoder), and sharp decodes them with
 * a pixel cap set before decoding, so a small file declaring a huge canvas is refused from its
 * header. The result is re-encoded JPEG, oriented by EXIF, with every metadata block dropped.
 */
import sharp from 'sharp';
import { ApiError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import { decodeBase64 } from './base64.js';
import { createGate } from './gate.js';

// One libvips thread per image and at most two images decoding at once: on two cores that keeps
// both busy, and caps decoding memory near 2 × ~100 MB whatever the number of concurrent sends.
sharp.concurrency(1);
sharp.cache(false);

/** The gate every decode passes through (exported so tests can observe the queue). */
export const imageDecodes = createGate(2);

/**
 * Decoder options, given to every sharp instance. `limitInputPixels` is checked against the
 * header before any pixel is decoded; `failOn: 'error'` refuses truncated or corrupt data
 * (libjpeg's premature-end warning included) yet tolerates the harmless warnings some cameras
 * trigger; `animated: false` decodes only the first frame of a GIF or WebP.
 */
const DECODE_OPTIONS = { limitInputPixels: LIMITS.imagePixels, failOn: 'error', animated: false } as const;

export interface ProcessedImage {
  bytes: Buffer;
  width: number;
  height: number;
}

/**
 * Hand-written rather than the `file-type` package, which is laxer: it identifies a file after
 * skipping a UTF-8 BOM or an ID3 tag (so BOM+PNG or ID3+PNG polyglots pass) and takes any `GIF`
 * prefix. Where it was stricter (JPEG-LS is not JPEG) this list is too.
 */
const SIGNATURES: Array<{ format: string; test: (b: Buffer) => boolean }> = [
  // FF D8 FF F7 starts JPEG-LS, which no JPEG decoder reads.
  { format: 'jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff && b[3] !== 0xf7 },
  { format: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { format: 'gif', test: (b) => /^GIF8[79]a$/.test(b.subarray(0, 6).toString('latin1')) },
  { format: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { format: 'heif', test: (b) => b.subarray(4, 8).toString('latin1') === 'ftyp' && /^(avif|avis)$/.test(b.subarray(8, 12).toString('latin1')) },
];

/** The raster format the leading bytes announce, or null (SVG, HTML, text, unknown). */
export function sniffImage(bytes: Buffer): string | null {
  return SIGNATURES.find((s) => s.test(bytes))?.format ?? null;
}

/**
 * Decodes, orients, bounds and re-encodes an image as a metadata-free JPEG. Throws `image_invalid`
 * (field `image`) for anything that is not a decodable raster image within the pixel limit.
 */
export async function processImage(bytes: Buffer): Promise<ProcessedImage> {
  const sniffed = sniffImage(bytes);
  if (!sniffed) throw new ApiError('image_invalid', 'not a JPEG, PNG, WebP, GIF or AVIF image', { field: 'image' });
  return imageDecodes.run(() => reencode(bytes, sniffed));
}

async function reencode(bytes: Buffer, sniffed: string): Promise<ProcessedImage> {
  try {
    // Reads the header only: a pixel bomb fails here, before any decoding.
    const metadata = await sharp(bytes, DECODE_OPTIONS).metadata();
    if (metadata.format !== sniffed) throw new Error(`format mismatch: ${metadata.format} vs ${sniffed}`);
    // No keepExif/keepIccProfile/keepXmp/withMetadata: sharp writes none of them, so the output
    // carries no EXIF (GPS included), ICC profile, XMP or comments.
    const { data, info } = await sharp(bytes, DECODE_OPTIONS)
      .autoOrient()
      .resize({ width: LIMITS.imageMaxSide, height: LIMITS.imageMaxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85, progressive: true })
      .toBuffer({ resolveWithObject: true });
    return { bytes: data, width: info.width, height: info.height };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const reason = error instanceof Error && /pixel limit/i.test(error.message) ? 'too many pixels' : 'cannot be decoded';
    throw new ApiError('image_invalid', `the image ${reason}`, { field: 'image' });
  }
}

/** send_image's `image` parameter (base64) → the stored JPEG; size errors are payload_too_large. */
export async function intakeImage(base64: string): Promise<ProcessedImage> {
  return processImage(decodeBase64(base64, LIMITS.imageBytes, 'image', 'image_invalid'));
}
