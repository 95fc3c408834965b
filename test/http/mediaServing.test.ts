import assert from 'node:assert/strict';
import { halves, wav } from '../media/fixtures.js';
import { useTestServer } from '../support/server.js';

describe('GET /v1/media/<kind>/<id>.<ext>', () => {
  const { server, f } = useTestServer();
  let audio: Buffer;
  let audioUrl: string;
  let imageUrl: string;

  before(async () => {
    const { user, questionId } = await f.servedQuestion();
    audio = wav(2000); // 4044 bytes
    const sent = await f.api.post(`/v1/question/${questionId}/message/send_audio`, {
      session: user.session,
      sender: user.userId,
      sender_type: 1,
      audio: audio.toString('base64'),
      audio_len: 1,
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    audioUrl = sent.body.audio_url;
    const image = await f.api.post(`/v1/question/${questionId}/message/send_image`, {
      session: user.session,
      sender: user.userId,
      sender_type: 1,
      image: (await halves(20, 10).png().toBuffer()).toString('base64'),
    });
    assert.equal(image.status, 200, JSON.stringify(image.body));
    imageUrl = image.body.image_url;
  });

  const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });
  const body = async (response: Response) => Buffer.from(await response.arrayBuffer());

  it('serves media to anyone (no session), immutable for a year, typed, nosniff', async () => {
    for (const [url, type] of [
      [audioUrl, 'audio/wav'],
      [imageUrl, 'image/jpeg'],
    ] as const) {
      const response = await get(url);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(response.headers.get('content-type'), type);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('accept-ranges'), 'bytes');
      assert.match(response.headers.get('content-security-policy') ?? '', /sandbox/);
      const bytes = await body(response);
      assert.equal(response.headers.get('content-length'), String(bytes.length));
    }
    assert.deepEqual(await body(await get(audioUrl)), audio);
  });

  it('answers If-None-Match naming the ETag (alone, in a list, weak, or *) by 304', async () => {
    const first = await get(imageUrl);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    for (const header of [etag, `"other", ${etag}`, `W/${etag}`, '*']) {
      const again = await get(imageUrl, { 'if-none-match': header });
      assert.equal(again.status, 304, header);
      assert.equal((await body(again)).length, 0);
    }
    assert.equal((await get(imageUrl, { 'if-none-match': '"other"' })).status, 200);
  });

  it('answers 304 to a fetch() revalidation, which sends Cache-Control: no-cache along', async () => {
    const etag = (await get(imageUrl)).headers.get('etag')!;
    const again = await get(imageUrl, { 'if-none-match': etag, 'cache-control': 'no-cache', pragma: 'no-cache' });
    assert.equal(again.status, 304);
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(audioUrl, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'audio/wav');
    assert.equal(response.headers.get('content-length'), String(audio.length));
    assert.equal((await body(response)).length, 0);
  });

  describe('Range requests (audio players)', () => {
    const size = () => audio.length;
    for (const [range, start, end] of [
      ['bytes=0-15', 0, 15],
      ['bytes=100-', 100, 4043],
      ['bytes=-44', 4000, 4043],
      ['bytes=4000-999999', 4000, 4043],
      ['bytes=4043-4043', 4043, 4043],
    ] as const) {
      it(`${range} → 206 with bytes ${start}-${end}`, async () => {
        assert.equal(size(), 4044);
        const response = await get(audioUrl, { range });
        assert.equal(response.status, 206);
        assert.equal(response.headers.get('content-range'), `bytes ${start}-${end}/${size()}`);
        assert.equal(response.headers.get('content-type'), 'audio/wav');
        assert.equal(response.headers.get('content-length'), String(end - start + 1));
        assert.deepEqual(await body(response), audio.subarray(start, end + 1));
      });
    }

    for (const range of ['bytes=4044-', 'bytes=5000-6000', 'bytes=-0']) {
      it(`${range} → 416 with Content-Range */size`, async () => {
        const response = await get(audioUrl, { range });
        assert.equal(response.status, 416);
        assert.equal(response.headers.get('content-range'), `bytes */${size()}`);
      });
    }

    for (const range of ['bytes=0-1,5-6', 'items=0-5', 'bytes=abc', 'bytes=-', 'bytes=20-10', 'bytes=0 - 5']) {
      it(`${range} (not one byte range) → the whole file`, async () => {
        const response = await get(audioUrl, { range });
        assert.equal(response.status, 200);
        assert.deepEqual(await body(response), audio);
      });
    }

    it('works on images too', async () => {
      const whole = await body(await get(imageUrl));
      const response = await get(imageUrl, { range: 'bytes=0-2' });
      assert.equal(response.status, 206);
      assert.deepEqual(await body(response), whole.subarray(0, 3));
    });
  });

  describe('unknown media', () => {
    const id = '0123456789abcdef01234567';
    const swapKind = (url: string) => url.replace('/media/audio/', '/media/image/');
    const cases: Array<[string, () => string]> = [
      ['an id never issued', () => `${server.url}/v1/media/image/${id}.jpg`],
      ['a known id with the wrong extension', () => audioUrl.replace(/\.wav$/, '.mp3')],
      ['a known id under the other kind', () => swapKind(audioUrl)],
      ['an unknown kind', () => `${server.url}/v1/media/video/${id}.mp4`],
      ['a malformed name', () => `${server.url}/v1/media/image/not-an-id.jpg`],
      ['a name without extension', () => `${server.url}/v1/media/image/${id}`],
      ['a path traversal', () => `${server.url}/v1/media/image/..%2F..%2Fkefu.sqlite3`],
    ];
    for (const [name, url] of cases) {
      it(`${name} → 404 not_found envelope`, async () => {
        const response = await get(url());
        assert.equal(response.status, 404);
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        const envelope = (await response.json()) as { status: number; error: string; debug: unknown };
        assert.equal(envelope.status, 300);
        assert.equal(envelope.error, 'not_found');
        assert.equal(typeof envelope.debug, 'string');
      });
    }
  });
});
