/**
 * A 1-megapixel photo-like JPEG (1000×1000: smooth gradients with sensor-like noise, quality 85)
 * for the send_image scenario, built once per run with sharp.
 */
import sharp from 'sharp';

/** The JPEG bytes of a 1000×1000 photo-like image. */
export async function megapixelPhoto(): Promise<Buffer> {
  const side = 1000;
  const pixels = Buffer.alloc(side * side * 3);
  let seed = 42;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 21) - 10;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const o = (y * side + x) * 3;
      const sky = y < side * 0.55;
      pixels[o] = Math.max(0, Math.min(255, (sky ? 90 + y / 8 : 60 + x / 10) + noise()));
      pixels[o + 1] = Math.max(0, Math.min(255, (sky ? 140 + y / 10 : 110 + Math.sin(x / 40) * 30) + noise()));
      pixels[o + 2] = Math.max(0, Math.min(255, (sky ? 220 - y / 12 : 50 + y / 20) + noise()));
    }
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}
