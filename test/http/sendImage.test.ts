import assert from 'node:assert/strict';
import { assertError } from '../support/envelope.js';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { LIMITS } from '../../shared/limits.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import type { RequestOptions } from '../support/http.js';
import { useTestServer } from '../support/server.js';
import { HTML, SVG, halves, jpegOrientation6, jpegWithMetadata, noisyJpeg, pixelBomb, transparent } from '../media/fixtures.js';

const MEDIA_URL = /^http:\/\/127\.0\.0\.1:\d+\/v1\/media\/image\/[0-9a-f]{24}\.jpg$/;

describe('POST /question/<id>/message/send_image', () => {
  const { server, f } = useTestServer();

  function sendImage(questionId: string, as: TestUser | TestAgent, image: Buffer | string, extra: Record<string, string> = {}, options?: RequestOptions) {
    const isAgent = 'servId' in as;
    return f.api.post(
      `/v1/question/${questionId}/message/send_image`,
      {
        session: as.session,
        sender: isAgent ? as.servId : as.userId,
        sender_type: isAgent ? 2 : 1,
        image: typeof image === 'string' ? image : image.toString('base64'),
        ...extra,
      },
      options,
    );
  }

  const storedImages = () => readdirSync(path.join(server.dataDir, 'media', 'image')).filter((name) => name.endsWith('.jpg'));

  async function fetchBytes(url: string) {
    const response = await fetch(url);
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  it('stores a rotated, metadata-free JPEG under DATA_DIR and answers its absolute URL', async () => {
    const { user, questionId } = await f.servedQuestion();
    const reply = await sendImage(questionId, user, await jpegOrientation6());
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.match(reply.body.message_id, /^[0-9a-f]{24}$/);
    assert.match(reply.body.image_url, MEDIA_URL);
    assert.ok(reply.body.image_url.startsWith(server.url), `${reply.body.image_url} is not on ${server.url}`);

    const file = reply.body.image_url.split('/').pop();
    assert.ok(storedImages().includes(file), `${file} is not under DATA_DIR/media/image`);

    const { response, bytes } = await fetchBytes(reply.body.image_url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 200, 300]);
    assert.equal(meta.orientation, undefined);
    assert.equal(meta.exif, undefined);
  });

  it('strips EXIF with GPS, ICC and XMP from what it serves', async () => {
    const { user, questionId } = await f.servedQuestion();
    const reply = await sendImage(questionId, user, await jpegWithMetadata());
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const { bytes } = await fetchBytes(reply.body.image_url);
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.exif, meta.icc, meta.xmp, meta.orientation], [undefined, undefined, undefined, undefined]);
    assert.equal(bytes.includes('KefuPhone'), false);
  });

  it('takes PNG, WebP and GIF (form-encoded too) and serves JPEG; transparency becomes white', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    for (const format of ['png', 'webp', 'gif'] as const) {
      const reply = await sendImage(questionId, agent, await halves(40, 20)[format]().toBuffer(), {}, { form: true });
      assert.equal(reply.status, 200, `${format}: ${JSON.stringify(reply.body)}`);
      const meta = await sharp((await fetchBytes(reply.body.image_url)).bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 40, 20], format);
    }
    const reply = await sendImage(questionId, user, await transparent('png'));
    const { data } = await sharp((await fetchBytes(reply.body.image_url)).bytes).raw().toBuffer({ resolveWithObject: true });
    assert.ok(data.subarray(0, 3).every((v) => v > 240), `transparent pixel served as ${[...data.subarray(0, 3)]}`);
  });

  it('without PUBLIC_URL, bases image_url on the Host the client used', async () => {
    const { user, questionId } = await f.servedQuestion();
    const image = await halves(20, 10).png().toBuffer();
    // fetch() will not send a Host of our choosing; node:http will.
    const body = JSON.stringify({ session: user.session, sender: user.userId, sender_type: 1, image: image.toString('base64') });
    const reply = await new Promise<any>((resolve, reject) => {
      const req = http.request(
        `${server.url}/v1/question/${questionId}/message/send_image`,
        { method: 'POST', headers: { host: 'chat.example.org:8443', 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.match(reply.body.image_url, /^http:\/\/chat\.example\.org:8443\/v1\/media\/image\/[0-9a-f]{24}\.jpg$/);
  });

  it('shows the image in the message list as type 2 with the same image_url', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const reply = await sendImage(questionId, user, await halves(20, 10).png().toBuffer());
    for (const reader of [user, agent]) {
      const list = await f.api.get(`/v1/question/${questionId}/message`, { sort: 1 }, { session: reader.session });
      assert.equal(list.status, 200, JSON.stringify(list.body));
      const message = list.body.messages.find((m: any) => m.message_id === reply.body.message_id);
      assert.ok(message, 'the image message is not listed');
      assert.equal(message.type, 2);
      assert.equal(message.image_url, reply.body.image_url);
      assert.deepEqual([message.sender, message.sender_type], [user.userId, 1]);
    }
  });

  it('answers a retry with the same client_msg_id with the same message and URL, storing no second file', async () => {
    const { user, questionId } = await f.servedQuestion();
    const first = await sendImage(questionId, user, await halves(20, 10).png().toBuffer(), { client_msg_id: 'img-1' });
    const filesAfterFirst = storedImages().length;
    const again = await sendImage(questionId, user, await halves(30, 10).png().toBuffer(), { client_msg_id: 'img-1' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.message_id, first.body.message_id);
    assert.equal(again.body.image_url, first.body.image_url);
    assert.equal(storedImages().length, filesAfterFirst, 'the retry decoded and stored nothing');
    const list = await f.api.get(`/v1/question/${questionId}/message`, {}, { session: user.session });
    assert.equal(list.body.messages.filter((m: any) => m.type === 2).length, 1);
  });

  describe('refusals', () => {
    let user: TestUser;
    let questionId: string;
    before(async () => ({ user, questionId } = await f.servedQuestion()));

    const truncated = async () => {
      const jpeg = await noisyJpeg();
      return jpeg.subarray(0, Math.floor(jpeg.length * 0.7));
    };
    const cases: Array<[string, () => Promise<Buffer | string>]> = [
      ['garbage bytes', async () => Buffer.from('0123456789abcdef'.repeat(10))],
      ['SVG', async () => SVG],
      ['HTML', async () => HTML],
      ['a truncated JPEG', truncated],
      ['invalid base64', async () => '!!not*base64!!'],
      ['an SVG data URL', async () => `data:image/svg+xml;base64,${SVG.toString('base64')}`],
      ['a 140 KB PNG declaring 12000×12000', async () => pixelBomb()],
    ];
    for (const [name, make] of cases) {
      it(`refuses ${name}: 400 image_invalid, field image, nothing stored`, async () => {
        const before = storedImages().length;
        const reply = await sendImage(questionId, user, await make());
        assertError(reply, 'image_invalid', 'image');
        assert.equal(storedImages().length, before);
      });
    }

    it('refuses more than the byte limit: 413 payload_too_large, field image', async () => {
      const reply = await sendImage(questionId, user, Buffer.alloc(LIMITS.imageBytes + 1, 1));
      assertError(reply, 'payload_too_large', 'image');
    });

    it('refuses a missing image with param_missing', async () => {
      const reply = await f.api.post(`/v1/question/${questionId}/message/send_image`, {
        session: user.session,
        sender: user.userId,
        sender_type: 1,
      });
      assertError(reply, 'param_missing', 'image');
    });
  });

  describe('who may send (as for send_text)', () => {
    it('refuses a sender that is not the session, another user, a non-serving agent, a finished question', async () => {
      const { user, agent, questionId } = await f.servedQuestion();
      const image = await halves(20, 10).png().toBuffer();
      const before = storedImages().length;

      const mismatch = await sendImage(questionId, user, image, { sender: 'someone-else' });
      assert.deepEqual([mismatch.status, mismatch.body.error], [403, 'sender_mismatch']);

      const stranger = await f.user({ identify: user.identify });
      const foreign = await sendImage(questionId, stranger, image);
      assert.deepEqual([foreign.status, foreign.body.error], [403, 'forbidden']);

      const other = await f.agent({ identifies: [user.identify] });
      const notServing = await sendImage(questionId, other, image);
      assert.deepEqual([notServing.status, notServing.body.error], [409, 'question_taken']);

      const noSession = await sendImage(questionId, { ...user, session: 'xxxxxxxxxxxx' }, image);
      assert.deepEqual([noSession.status, noSession.body.error], [401, 'session_invalid']);

      const fin = await f.api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId });
      assert.equal(fin.status, 200, JSON.stringify(fin.body));
      const finished = await sendImage(questionId, user, image);
      assert.deepEqual([finished.status, finished.body.error], [409, 'question_finished']);

      // A refused send decodes and stores nothing.
      assert.equal(storedImages().length, before);
    });

    it('lets the user send while pending, but not an agent', async () => {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const questionId = await f.question(user);
      const image = await halves(20, 10).png().toBuffer();
      assert.equal((await sendImage(questionId, user, image)).status, 200);
      const early = await sendImage(questionId, agent, image);
      assert.deepEqual([early.status, early.body.error], [409, 'question_not_started']);
    });
  });
});

describe('send_image with PUBLIC_URL', () => {
  const { server, f } = useTestServer({ env: { PUBLIC_URL: 'https://cdn.example.com/kefu/' } });

  it('bases image_url on PUBLIC_URL, in the reply and in the message list', async () => {
    const { user, questionId } = await f.servedQuestion();
    const reply = await f.api.post(`/v1/question/${questionId}/message/send_image`, {
      session: user.session,
      sender: user.userId,
      sender_type: 1,
      image: (await halves(20, 10).png().toBuffer()).toString('base64'),
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.match(reply.body.image_url, /^https:\/\/cdn\.example\.com\/kefu\/v1\/media\/image\/[0-9a-f]{24}\.jpg$/);
    const list = await f.api.get(`/v1/question/${questionId}/message`, {}, { session: user.session });
    assert.equal(list.body.messages.find((m: any) => m.type === 2).image_url, reply.body.image_url);
    // The path part is what this server serves.
    const local = server.url + new URL(reply.body.image_url).pathname.replace(/^\/kefu/, '');
    const served = await fetch(local);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'image/jpeg');
  });
});
