/**
 * Media abuse drill against a real node in its own process: pixel bombs, SVG/HTML polyglots,
 * truncated files and broken base64 are refused; what does decode is served as a clean JPEG; and
 * a storm of bombs beside large valid images leaves the node answering /healthz with its resident
 * memory bounded (read from /proc, so the figures are the kernel's, not the heap's).
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { client } from '../support/http.js';
import { tempDataDir } from '../support/server.js';
import { allMessages, memoryOf, provisionServedQuestion, resetPeak, spawnNode, type ChildNode, type ServedQuestion } from '../support/childServer.js';
import { grayPng, HTML, noisyJpeg, pixelBomb, SVG, transparent, withJpegComment, withJpegSize } from '../media/fixtures.js';

/** Resident growth allowed while six bombs are refused (decoding one would take 144 MB). */
const BOMB_GROWTH_MB = 64;
/**
 * Resident growth allowed while 6 bombs and 6 large images (12 MP, ~4.4 MB of base64) are in
 * flight, with the allocator settings of the Procfile. Measured here: ~230–320 MB (without them,
 * ~370 MB) — two decodes of ~80 MB each through the gate, and every body held as bytes, JSON text
 * and parsed string.
 */
const STORM_GROWTH_MB = 400;
/** Growth the node is given a while to fall back under once the storm is over. */
const SETTLE_TARGET_MB = 250;
/** Growth it must be under by then (measured: 30–120 MB with the Procfile's settings). */
const SETTLED_GROWTH_MB = 300;

const ascii = (text: string) => Buffer.from(text, 'latin1');
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
const SCRIPT = /<\s*(script|svg|html|iframe)|onload|javascript:/i;

/** The allocator settings the Procfile runs the node with (`web: VAR=value … node …`): measure that. */
function procfileEnv(): Record<string, string> {
  const web = readFileSync(new URL('../../Procfile', import.meta.url), 'utf8').match(/^web:\s*(.*)$/m)?.[1] ?? '';
  return Object.fromEntries([...web.matchAll(/(?:^|\s)([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

describe('faults: media abuse (child process)', function () {
  this.timeout(90_000);
  let dataDir: string;
  let node: ChildNode;
  let q: ServedQuestion;
  let large: Buffer;

  const sendImage = (image: string) =>
    client(node.url).post(`/v1/question/${q.questionId}/message/send_image`, {
      session: q.users[0]!.session,
      sender: q.users[0]!.sender,
      sender_type: 1,
      image,
    });
  const stored = async () => (await allMessages(node.url, q.questionId, q.users[0]!.session)).length;

  before(async () => {
    dataDir = tempDataDir();
    node = await spawnNode({ DATA_DIR: dataDir, ...procfileEnv() });
    q = await provisionServedQuestion(node.url);
    // 4000×3000 (12 MP, ~5 MB): noise upscaled without smoothing, so it compresses poorly.
    const tile = await sharp({ create: { width: 1000, height: 750, channels: 3, background: '#468', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    large = await sharp(tile).resize(4000, 3000, { kernel: 'nearest' }).jpeg({ quality: 85 }).toBuffer();
  });

  after(async () => {
    await node?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses bombs, polyglots, truncated files and broken base64 with 400 image_invalid, storing nothing', async () => {
    const jpeg = await noisyJpeg(400, 300);
    const png = grayPng(200, 200);
    const b64 = (bytes: Buffer) => bytes.toString('base64');
    const hostile: Record<string, string> = {
      'PNG declaring 12000×12000 (pixel bomb)': b64(pixelBomb()),
      'JPEG whose frame header declares 60000×60000': b64(withJpegSize(jpeg, 60000, 60000)),
      'JPEG magic, then <svg onload>': b64(Buffer.concat([JPEG_MAGIC, ascii('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')])),
      'JPEG magic, then an HTML page': b64(Buffer.concat([JPEG_MAGIC, HTML])),
      'GIF89a header, then HTML': b64(Buffer.concat([ascii('GIF89a'), HTML])),
      'plain SVG': b64(SVG),
      'plain HTML': b64(HTML),
      'SVG after a UTF-8 BOM': b64(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), SVG])),
      'JPEG cut at 60%': b64(jpeg.subarray(0, Math.floor(jpeg.length * 0.6))),
      'PNG cut inside IDAT': b64(png.subarray(0, png.length - 20)),
      'JPEG magic alone': b64(Buffer.from([0xff, 0xd8, 0xff])),
      'base64 with characters outside the alphabet': '%%%%$$$$',
      'base64 of impossible length': 'QUJDRA' + 'E',
      'data: URL with a broken payload': 'data:image/png;base64,@@@@****',
    };
    const before = await stored();
    const names = Object.keys(hostile);
    const replies = await Promise.all(names.map((name) => sendImage(hostile[name]!)));
    replies.forEach((reply, i) => {
      assert.equal(reply.status, 400, `${names[i]}: ${reply.text}`);
      assert.equal(reply.body.error, 'image_invalid', names[i]);
      assert.equal(reply.body.field, 'image', names[i]);
    });
    assert.equal(await stored(), before, 'nothing stored');
  });

  it('serves polyglots that do decode only as re-encoded JPEG, without the smuggled markup', async () => {
    const html = ascii('<html><body><script>alert(document.cookie)</script></body></html>');
    const gif = await transparent('gif');
    const carriers: Record<string, Buffer> = {
      'GIF with an HTML page and a ZIP header appended (GIFAR)': Buffer.concat([gif, html, ascii('PK\x03\x04'), Buffer.alloc(26)]),
      'JPEG with <svg onload> in a COM segment': withJpegComment(await noisyJpeg(64, 48), '<svg onload="alert(1)">'),
      'PNG with <script> in a tEXt chunk': grayPng(64, 64, { text: '<script>alert(1)</script>' }),
    };
    for (const [name, bytes] of Object.entries(carriers)) {
      const reply = await sendImage(bytes.toString('base64'));
      if (reply.status === 400) {
        assert.equal(reply.body.error, 'image_invalid', name);
        continue;
      }
      assert.equal(reply.status, 200, `${name}: ${reply.text}`);
      const served = await fetch(reply.body.image_url);
      assert.equal(served.status, 200, name);
      assert.equal(served.headers.get('content-type'), 'image/jpeg', name);
      assert.equal(served.headers.get('x-content-type-options'), 'nosniff', name);
      const body = Buffer.from(await served.arrayBuffer());
      assert.deepEqual([...body.subarray(0, 3)], [0xff, 0xd8, 0xff], `${name}: served bytes are a JPEG`);
      assert.ok(!SCRIPT.test(body.toString('latin1')), `${name}: no markup survives re-encoding`);
      assert.ok(!body.includes(ascii('PK\x03\x04')), `${name}: nothing appended survives`);
    }
  });

  /**
   * Sends `payloads` at once while probing /healthz and the node's resident memory. Peak is VmHWM
   * (reset before the storm) where Linux lets us, else the highest of frequent samples.
   */
  async function storm(payloads: string[]) {
    const pid = node.process.pid!;
    const baselineMb = memoryOf(pid).rssMb;
    const exact = resetPeak(pid);
    let sampledMb = baselineMb;
    const health: number[] = [];
    let storming = true;
    const watchers = Promise.all([
      (async () => {
        while (storming) {
          sampledMb = Math.max(sampledMb, memoryOf(pid).rssMb);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })(),
      (async () => {
        while (storming) {
          const reply = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(15_000) });
          health.push(reply.status);
          await reply.arrayBuffer();
        }
      })(),
    ]);
    const replies = await Promise.all(payloads.map(sendImage)).finally(() => (storming = false));
    await watchers;
    const peakMb = exact ? memoryOf(pid).peakMb : sampledMb;
    return { replies, health, baselineMb, peakMb, growthMb: peakMb - baselineMb };
  }

  it('refuses six concurrent pixel bombs from their headers, at almost no memory cost', async () => {
    const { replies, growthMb, baselineMb, peakMb } = await storm(Array(6).fill(pixelBomb().toString('base64')));
    for (const reply of replies) {
      assert.equal(reply.status, 400, reply.text);
      assert.equal(reply.body.error, 'image_invalid');
    }
    console.log(`      6 bombs: RSS ${baselineMb} MB before, peak ${peakMb} MB (+${growthMb} MB)`);
    // Decoding even one 144 MP bomb would take 144 MB.
    assert.ok(growthMb < BOMB_GROWTH_MB, `resident growth: ${growthMb} MB`);
  });

  it('weathers six bombs beside six large images: bombs refused, images stored, /healthz up, memory bounded', async () => {
    // Warm up: one large image, so libvips and its first buffers are part of the baseline.
    assert.equal((await sendImage(large.toString('base64'))).status, 200);
    const payloads = [...Array(6).fill(pixelBomb().toString('base64')), ...Array(6).fill(large.toString('base64'))];
    const { replies, health, baselineMb, peakMb, growthMb } = await storm(payloads);
    replies.forEach((reply, i) => {
      if (i < 6) assert.deepEqual([reply.status, reply.body.error], [400, 'image_invalid'], reply.text);
      else assert.equal(reply.status, 200, reply.text);
    });
    assert.ok(health.length > 0, '/healthz was probed during the storm');
    assert.deepEqual([...new Set(health)], [200], '/healthz answered 200 throughout');
    // V8 frees the bodies once its allocation rate drops; give it a deadline, not a duration.
    let afterMb = memoryOf(node.process.pid!).rssMb;
    const deadline = Date.now() + 10_000;
    while (afterMb - baselineMb >= SETTLE_TARGET_MB && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      afterMb = memoryOf(node.process.pid!).rssMb;
    }
    console.log(
      `      6 bombs + 6 × ${(large.length / 1048576).toFixed(1)} MB images: RSS ${baselineMb} MB before, ` +
        `peak ${peakMb} MB (+${growthMb} MB), ${afterMb} MB after; /healthz answered ${health.length}× during it`,
    );
    assert.ok(growthMb < STORM_GROWTH_MB, `resident growth during the storm: ${growthMb} MB`);
    assert.ok(afterMb - baselineMb < SETTLED_GROWTH_MB, `resident after the storm: ${afterMb} MB`);
    assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
  });
});
