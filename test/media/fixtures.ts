/**
 * Real media fixtures built in the test: images through sharp, audio as hand-built headers that
 * follow each format's specification (the sniffers must recognise what phones actually record).
 */
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

// ---- audio ----

/** A PCM WAV file: RIFF/WAVE, a 16-byte fmt chunk, a data chunk of `samples` 16-bit mono samples. */
export function wav(samples = 800): Buffer {
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin(i / 4) * 8000), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24); // sample rate
  header.writeUInt32LE(16000, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const OGG_CRC = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** One Ogg page (beginning-of-stream when `bos`), with its CRC computed as the spec says. */
export function oggPage(payload: Buffer, options: { bos?: boolean; sequence?: number } = {}): Buffer {
  const header = Buffer.alloc(27);
  header.write('OggS', 0, 'latin1');
  header[4] = 0; // version
  header[5] = options.bos ? 0x02 : 0x00;
  header.writeBigUInt64LE(0n, 6); // granule position
  header.writeUInt32LE(0x6b656675, 14); // stream serial
  header.writeUInt32LE(options.sequence ?? 0, 18);
  header[26] = 1; // one segment
  const page = Buffer.concat([header, Buffer.from([payload.length]), payload]);
  let crc = 0;
  for (const byte of page) crc = ((crc << 8) ^ OGG_CRC[((crc >>> 24) & 0xff) ^ byte]!) >>> 0;
  page.writeUInt32LE(crc, 22);
  return page;
}

/** An Ogg/Opus stream start: the OpusHead page, then an OpusTags page. */
export function oggOpus(): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1; // version
  head[9] = 1; // channels
  head.writeUInt16LE(312, 10); // pre-skip
  head.writeUInt32LE(48000, 12); // input sample rate
  head.writeInt16LE(0, 16); // output gain
  head[18] = 0; // mapping family
  const tags = Buffer.concat([Buffer.from('OpusTags', 'latin1'), Buffer.from([4, 0, 0, 0]), Buffer.from('kefu'), Buffer.alloc(4)]);
  return Buffer.concat([oggPage(head, { bos: true }), oggPage(tags, { sequence: 1 })]);
}

/** An Ogg/Vorbis start: a real Ogg page, but not Opus. */
export function oggVorbis(): Buffer {
  const id = Buffer.concat([Buffer.from([1]), Buffer.from('vorbis', 'latin1'), Buffer.alloc(23)]);
  return oggPage(id, { bos: true });
}

/** AMR-NB: the magic, then `frames` 12.2 kbit/s frames (header 0x3C, 31 bytes of speech bits). */
export function amr(frames = 5): Buffer {
  const frame = Buffer.concat([Buffer.from([0x3c]), Buffer.alloc(31, 0x55)]);
  return Buffer.concat([Buffer.from('#!AMR\n', 'latin1'), ...Array.from({ length: frames }, () => frame)]);
}

/** One MPEG-1 layer III frame: 128 kbit/s, 44.1 kHz, no CRC (417 bytes). */
export function mp3Frame(): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(413)]);
}

/** An MP3 file that starts with an ID3v2.3 tag (one TIT2 frame), then MPEG frames. */
export function mp3WithId3(): Buffer {
  const text = Buffer.concat([Buffer.from([0]), Buffer.from('kefu', 'latin1')]);
  const frameHeader = Buffer.alloc(10);
  frameHeader.write('TIT2', 0, 'latin1');
  frameHeader.writeUInt32BE(text.length, 4);
  const body = Buffer.concat([frameHeader, text]);
  const size = body.length; // < 128, so the syncsafe encoding is the plain byte
  const tag = Buffer.concat([Buffer.from('ID3', 'latin1'), Buffer.from([3, 0, 0, 0, 0, 0, size]), body]);
  return Buffer.concat([tag, mp3Frame(), mp3Frame()]);
}

/** An AAC-LC ADTS frame (44.1 kHz, mono, no CRC) of `length` bytes including its 7-byte header. */
export function adtsFrame(length = 64): Buffer {
  const h = Buffer.alloc(7);
  const profile = 1; // AAC LC (object type 2, minus one)
  const frequencyIndex = 4; // 44100 Hz
  const channels = 1;
  h[0] = 0xff;
  h[1] = 0xf1; // MPEG-4, layer 00, protection absent
  h[2] = (profile << 6) | (frequencyIndex << 2) | (channels >> 2);
  h[3] = ((channels & 3) << 6) | ((length >> 11) & 0x03);
  h[4] = (length >> 3) & 0xff;
  h[5] = ((length & 0x07) << 5) | 0x1f;
  h[6] = 0xfc;
  return Buffer.concat([h, Buffer.alloc(length - 7)]);
}

/** An M4A file start: an ftyp box (major brand M4A) and a small mdat box. */
export function m4a(brand = 'M4A '): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftyp', 4, 'latin1');
  ftyp.write(brand, 8, 'latin1');
  ftyp.writeUInt32BE(0, 12);
  ftyp.write('M4A ', 16, 'latin1');
  ftyp.write('isom', 20, 'latin1');
  const mdat = Buffer.alloc(40);
  mdat.writeUInt32BE(40, 0);
  mdat.write('mdat', 4, 'latin1');
  return Buffer.concat([ftyp, mdat]);
}

/** Every accepted audio format with what it must be stored and served as. */
export const AUDIO_SAMPLES: Array<{ name: string; bytes: () => Buffer; ext: string; contentType: string }> = [
  { name: 'WAV', bytes: () => wav(), ext: 'wav', contentType: 'audio/wav' },
  { name: 'Ogg/Opus', bytes: oggOpus, ext: 'ogg', contentType: 'audio/ogg' },
  { name: 'AMR', bytes: () => amr(), ext: 'amr', contentType: 'audio/amr' },
  { name: 'MP3 (ID3 tag)', bytes: mp3WithId3, ext: 'mp3', contentType: 'audio/mpeg' },
  { name: 'MP3 (frame header)', bytes: () => Buffer.concat([mp3Frame(), mp3Frame()]), ext: 'mp3', contentType: 'audio/mpeg' },
  { name: 'AAC (ADTS)', bytes: () => Buffer.concat([adtsFrame(), adtsFrame()]), ext: 'aac', contentType: 'audio/aac' },
  { name: 'M4A', bytes: () => m4a(), ext: 'm4a', contentType: 'audio/mp4' },
];

// ---- images ----

/** A width×height image, left half red and right half blue, so rotations can be told apart. */
export function halves(width: number, height: number) {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (x < width / 2) raw[i] = 255;
      else raw[i + 2] = 255;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

/** A 300×200 JPEG tagged EXIF Orientation=6 (rotate 90° clockwise to display). */
export function jpegOrientation6(): Promise<Buffer> {
  return halves(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
}

/** A JPEG carrying everything that must be stripped: EXIF with GPS, an ICC profile, XMP. */
export function jpegWithMetadata(): Promise<Buffer> {
  return halves(120, 80)
    .jpeg()
    .withIccProfile('p3')
    .withExif({
      IFD0: { Make: 'KefuPhone', Model: 'Test 1', Copyright: 'secret owner' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 29/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 40/1' },
    })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')
    .toBuffer();
}

/** Inserts a JPEG COM (comment) segment right after SOI. */
export function withJpegComment(jpeg: Buffer, comment: string): Buffer {
  const text = Buffer.from(comment, 'latin1');
  const segment = Buffer.alloc(4);
  segment[0] = 0xff;
  segment[1] = 0xfe;
  segment.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, text, jpeg.subarray(2)]);
}

/** Gaussian noise (incompressible), so truncating its encoding cuts into the image data. */
export function noise(width: number, height: number) {
  const create = { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } as const;
  return sharp({ create });
}

/** A noisy JPEG. */
export function noisyJpeg(width = 400, height = 300): Promise<Buffer> {
  return noise(width, height).jpeg().toBuffer();
}

/** A fully transparent 40×30 image in the given format. */
export function transparent(format: 'png' | 'webp' | 'gif'): Promise<Buffer> {
  return sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    [format]()
    .toBuffer();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A valid 8-bit grayscale PNG of width×height, all black, built by hand: a huge canvas costs only
 * its deflated zeros (12000×12000 is ~140 KB), which is exactly what a pixel bomb looks like.
 * `idat` replaces the image data (e.g. garbage, to show the header alone decides).
 */
export function grayPng(width: number, height: number, options: { idat?: Buffer; text?: string } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const idat = options.idat ?? deflateSync(Buffer.alloc((width + 1) * height));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(options.text ? [pngChunk('tEXt', Buffer.from(`Comment\0${options.text}`, 'latin1'))] : []),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

let bomb: Buffer | undefined;

/** The 12000×12000 (144 MP) grayscale PNG of ~140 KB; built once per test process. */
export function pixelBomb(): Buffer {
  bomb ??= grayPng(12000, 12000);
  return bomb;
}

/** Rewrites the frame size in a baseline JPEG's SOF0 segment (header says one thing, data another). */
export function withJpegSize(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  const sof = copy.indexOf(Buffer.from([0xff, 0xc0]));
  if (sof < 0) throw new Error('no SOF0 marker');
  copy.writeUInt16BE(height, sof + 5);
  copy.writeUInt16BE(width, sof + 7);
  return copy;
}

export const SVG = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
);
export const HTML = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');
