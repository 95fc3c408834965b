import assert from 'node:assert/strict';
import sharp from 'sharp';
import { imageDecodes, intakeImage, processImage, sniffImage } from '../../server/media/imageIntake.js';
import { ApiError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import {
  HTML,
  SVG,
  grayPng,
  halves,
  jpegOrientation6,
  jpegWithMetadata,
  noise,
  noisyJpeg,
  pixelBomb,
  transparent,
  withJpegComment,
  withJpegSize,
} from './fixtures.js';

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

async function assertInvalid(bytes: Buffer, debug?: RegExp) {
  const error = await refusal(processImage(bytes));
  assert.equal(error.code, 'image_invalid');
  assert.equal(error.field, 'image');
  if (debug) assert.match(error.message, debug);
}

/** The RGB of one pixel of a decoded image. */
async function pixel(jpeg: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [...data.subarray(i, i + 3)];
}

const near = (actual: number[], expected: number[]) =>
  assert.ok(actual.every((v, i) => Math.abs(v - expected[i]!) < 40), `${actual} is not near ${expected}`);

describe('media: sniffImage', () => {
  it('names the raster formats by their leading bytes', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } });
    assert.equal(sniffImage(await base.clone().jpeg().toBuffer()), 'jpeg');
    assert.equal(sniffImage(await base.clone().png().toBuffer()), 'png');
    assert.equal(sniffImage(await base.clone().gif().toBuffer()), 'gif');
    assert.equal(sniffImage(await base.clone().webp().toBuffer()), 'webp');
    assert.equal(sniffImage(await base.clone().avif().toBuffer()), 'heif');
  });

  it('names nothing for SVG, HTML, text, TIFF or an empty buffer', async () => {
    const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).tiff().toBuffer();
    for (const bytes of [SVG, HTML, Buffer.from('hello'), tiff, Buffer.alloc(0)]) assert.equal(sniffImage(bytes), null);
  });

  it('names nothing for look-alikes that the file-type package would name (BOM or ID3 first, GIF7, JPEG-LS)', async () => {
    const base = sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } });
    const [png, jpeg] = [await base.clone().png().toBuffer(), await base.clone().jpeg().toBuffer()];
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const id3 = Buffer.from('ID3\x03\0\0\0\0\0\0', 'latin1');
    for (const [name, bytes] of [
      ['a PNG behind a UTF-8 BOM', Buffer.concat([bom, png])],
      ['a JPEG behind a UTF-8 BOM', Buffer.concat([bom, jpeg])],
      ['a PNG behind an ID3 tag', Buffer.concat([id3, png])],
      ['a GIF with an unknown version', Buffer.concat([Buffer.from('GIF7', 'latin1'), Buffer.alloc(40)])],
      ['a JPEG-LS header', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xf7]), Buffer.alloc(40)])],
    ] as const) {
      assert.equal(sniffImage(bytes), null, name);
    }
  });
});

describe('media: processImage', () => {
  it('applies EXIF Orientation=6: 300×200 becomes 200×300, turned clockwise', async () => {
    const input = await jpegOrientation6();
    assert.equal((await sharp(input).metadata()).orientation, 6);
    const out = await processImage(input);
    assert.deepEqual([out.width, out.height], [200, 300]);
    const meta = await sharp(out.bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.orientation], ['jpeg', 200, 300, undefined]);
    // Left half red, turned clockwise: the red half is now on top.
    near(await pixel(out.bytes, 100, 20), [255, 0, 0]);
    near(await pixel(out.bytes, 100, 280), [0, 0, 255]);
  });

  it('strips EXIF (with GPS), ICC, XMP and JPEG comments', async () => {
    const input = withJpegComment(await jpegWithMetadata(), 'shot at home, 12 Rue X');
    const before = await sharp(input).metadata();
    assert.ok(before.exif && before.icc && before.xmp, 'the fixture must carry metadata');
    assert.ok(input.includes('12 Rue X'), 'the fixture must carry a comment');
    const out = await processImage(input);
    const after = await sharp(out.bytes).metadata();
    assert.equal(after.exif, undefined);
    assert.equal(after.icc, undefined);
    assert.equal(after.xmp, undefined);
    assert.equal(after.orientation, undefined);
    assert.equal(after.comments, undefined);
    for (const secret of ['KefuPhone', 'secret owner', '12 Rue X', 'xmpmeta', 'Exif']) {
      assert.equal(out.bytes.includes(secret), false, `${secret} left in the output`);
    }
  });

  it('drops PNG text chunks', async () => {
    assert.deepEqual((await sharp(grayPng(16, 16, { text: 'private note' })).metadata()).comments, [
      { keyword: 'Comment', text: 'private note' },
    ]);
    const out = await processImage(grayPng(16, 16, { text: 'private note' }));
    assert.equal(out.bytes.includes('private note'), false);
    assert.equal((await sharp(out.bytes).metadata()).comments, undefined);
  });

  for (const format of ['png', 'webp', 'gif', 'avif'] as const) {
    it(`re-encodes ${format.toUpperCase()} as JPEG of the same size`, async () => {
      const input = await halves(64, 48)[format]().toBuffer();
      const out = await processImage(input);
      const meta = await sharp(out.bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 64, 48]);
      near(await pixel(out.bytes, 5, 24), [255, 0, 0]);
      near(await pixel(out.bytes, 60, 24), [0, 0, 255]);
    });
  }

  for (const format of ['png', 'webp', 'gif'] as const) {
    it(`flattens a transparent ${format.toUpperCase()} onto white, not black`, async () => {
      const out = await processImage(await transparent(format));
      assert.equal((await sharp(out.bytes).metadata()).hasAlpha, false);
      near(await pixel(out.bytes, 20, 15), [255, 255, 255]);
    });
  }

  it('scales the longest side down to the limit, keeping the aspect ratio', async () => {
    const input = await sharp({ create: { width: 5000, height: 100, channels: 3, background: '#123456' } }).png().toBuffer();
    const out = await processImage(input);
    assert.deepEqual([out.width, out.height], [LIMITS.imageMaxSide, 82]);
  });

  it('refuses what is not a raster image', async () => {
    await assertInvalid(SVG);
    await assertInvalid(HTML);
    await assertInvalid(Buffer.from('GIF89a but then nothing an image needs'));
    await assertInvalid(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), HTML]));
  });

  it('refuses a file whose bytes say one format and whose content is another', async () => {
    const png = await halves(16, 16).png().toBuffer();
    // A WebP signature stuck on a PNG body: the decoder must not be led by the container.
    const lying = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'), png]);
    await assertInvalid(lying);
  });

  it('refuses truncated JPEG, PNG, WebP and GIF files (failOn)', async () => {
    const jpeg = await noisyJpeg();
    for (const keep of [0.3, 0.6, 0.95]) await assertInvalid(jpeg.subarray(0, Math.floor(jpeg.length * keep)), /decoded/);
    for (const format of ['png', 'webp', 'gif'] as const) {
      const bytes = await noise(200, 150)[format]().toBuffer();
      await assertInvalid(bytes.subarray(0, Math.floor(bytes.length * 0.6)), /decoded/);
    }
  });

  it('refuses a 140 KB PNG declaring 12000×12000 from its header', async () => {
    const bomb = pixelBomb();
    assert.ok(bomb.length < 200_000, `the bomb is ${bomb.length} bytes`);
    await assertInvalid(bomb, /too many pixels/);
    // Same header, image data that could never decode: still "too many pixels", so the limit
    // fired before any decoding was attempted.
    await assertInvalid(grayPng(12000, 12000, { idat: Buffer.from('definitely not zlib') }), /too many pixels/);
    await assertInvalid(withJpegSize(await noisyJpeg(), 10000, 10000), /too many pixels/);
  });

  it('accepts exactly the pixel limit (5000×5000) and refuses one column more', async () => {
    assert.equal(LIMITS.imagePixels, 5000 * 5000);
    const out = await processImage(grayPng(5000, 5000));
    assert.deepEqual([out.width, out.height], [LIMITS.imageMaxSide, LIMITS.imageMaxSide]);
    await assertInvalid(grayPng(5001, 5000), /too many pixels/);
  });

  it('decodes at most two images at a time; the rest wait their turn', async () => {
    const input = await halves(300, 200).jpeg().toBuffer();
    const runs = [1, 2, 3, 4].map(() => processImage(input));
    assert.deepEqual(imageDecodes.stats, { running: 2, waiting: 2 });
    const outs = await Promise.all(runs);
    assert.ok(outs.every((o) => o.width === 300));
    assert.deepEqual(imageDecodes.stats, { running: 0, waiting: 0 });
  });

  it('frees its slot when a decode fails', async () => {
    await Promise.allSettled([1, 2, 3].map(() => processImage(grayPng(12000, 12000, { idat: Buffer.from('x') }))));
    assert.deepEqual(imageDecodes.stats, { running: 0, waiting: 0 });
  });
});

describe('media: intakeImage', () => {
  it('decodes base64 (with a data: prefix) and processes it', async () => {
    const input = await halves(30, 20).png().toBuffer();
    const out = await intakeImage(`data:image/png;base64,${input.toString('base64')}`);
    assert.deepEqual([out.width, out.height], [30, 20]);
  });

  it('refuses invalid base64 with image_invalid and oversize with payload_too_large', async () => {
    const invalid = await refusal(intakeImage('%%%not-base64%%%'));
    assert.deepEqual([invalid.code, invalid.field], ['image_invalid', 'image']);
    const big = await refusal(intakeImage(Buffer.alloc(LIMITS.imageBytes + 1).toString('base64')));
    assert.deepEqual([big.code, big.field, big.httpStatus], ['payload_too_large', 'image', 413]);
  });
});
