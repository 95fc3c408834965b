import assert from 'node:assert/strict';
import { assertError } from '../support/envelope.js';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { LIMITS } from '../../shared/limits.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import type { RequestOptions } from '../support/http.js';
import { useTestServer } from '../support/server.js';
import { AUDIO_SAMPLES, HTML, oggVorbis, wav } from '../media/fixtures.js';

describe('POST /question/<id>/message/send_audio', () => {
  const { server, f } = useTestServer();

  function sendAudio(
    questionId: string,
    as: TestUser | TestAgent,
    audio: Buffer | string,
    extra: Record<string, string | number> = {},
    options?: RequestOptions,
  ) {
    const isAgent = 'servId' in as;
    return f.api.post(
      `/v1/question/${questionId}/message/send_audio`,
      {
        session: as.session,
        sender: isAgent ? as.servId : as.userId,
        sender_type: isAgent ? 2 : 1,
        audio: typeof audio === 'string' ? audio : audio.toString('base64'),
        audio_len: 7,
        ...extra,
      },
      options,
    );
  }

  const storedAudio = () => readdirSync(path.join(server.dataDir, 'media', 'audio')).filter((n) => !n.endsWith('.tmp'));

  let user: TestUser;
  let agent: TestAgent;
  let questionId: string;
  before(async () => ({ user, agent, questionId } = await f.servedQuestion()));

  for (const sample of AUDIO_SAMPLES) {
    it(`stores ${sample.name} as sent and serves it as ${sample.contentType}`, async () => {
      const bytes = sample.bytes();
      const reply = await sendAudio(questionId, user, bytes, { audio_len: 12 });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.match(reply.body.message_id, /^[0-9a-f]{24}$/);
      const url = new URL(reply.body.audio_url);
      assert.equal(url.origin, server.url);
      assert.match(url.pathname, new RegExp(`^/v1/media/audio/[0-9a-f]{24}\\.${sample.ext}$`));
      assert.ok(storedAudio().includes(url.pathname.split('/').pop()!));

      const served = await fetch(reply.body.audio_url);
      assert.equal(served.status, 200);
      assert.equal(served.headers.get('content-type'), sample.contentType);
      assert.deepEqual(Buffer.from(await served.arrayBuffer()), bytes);
    });
  }

  it('lists the message as type 1 with audio_url and audio_len', async () => {
    const reply = await sendAudio(questionId, agent, wav(), { audio_len: 42 }, { form: true });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const list = await f.api.get(`/v1/question/${questionId}/message`, { sort: -1, num: 1 }, { session: user.session });
    const [message] = list.body.messages;
    assert.equal(message.message_id, reply.body.message_id);
    assert.deepEqual(
      [message.type, message.audio_url, message.audio_len, message.sender, message.sender_type],
      [1, reply.body.audio_url, 42, agent.servId, 2],
    );
  });

  it('goes by the bytes, not by a declared data: type', async () => {
    const reply = await sendAudio(questionId, user, `data:audio/mpeg;base64,${wav().toString('base64')}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.match(reply.body.audio_url, /\.wav$/);
    assert.equal((await fetch(reply.body.audio_url)).headers.get('content-type'), 'audio/wav');
  });

  it('answers a retry with the same client_msg_id with the same message and URL', async () => {
    const first = await sendAudio(questionId, user, wav(100), { client_msg_id: 'voice-1' });
    const again = await sendAudio(questionId, user, wav(200), { client_msg_id: 'voice-1' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual([again.status, again.body.message_id, again.body.audio_url], [200, first.body.message_id, first.body.audio_url]);
  });

  const invalid: Array<[string, () => Promise<Buffer | string>]> = [
    ['garbage', async () => randomBytes(64).fill(0x20, 0, 4)],
    ['HTML', async () => HTML],
    ['an image', async () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer()],
    ['Ogg/Vorbis', async () => oggVorbis()],
    ['invalid base64', async () => '**not base64**'],
    ['a header too short to tell', async () => wav().subarray(0, 12)],
  ];
  for (const [name, make] of invalid) {
    it(`refuses ${name}: 400 audio_invalid, field audio, nothing stored`, async () => {
      const before = storedAudio().length;
      const reply = await sendAudio(questionId, user, await make());
      assertError(reply, 'audio_invalid', 'audio');
      assert.equal(storedAudio().length, before);
    });
  }

  it('takes audio_len 1 to 600 seconds; anything else is param_invalid on audio_len', async () => {
    for (const len of [1, 600]) {
      const reply = await sendAudio(questionId, user, amrSample(), { audio_len: len });
      assert.equal(reply.status, 200, `${len}: ${JSON.stringify(reply.body)}`);
    }
    for (const len of [0, 601, -3, 1.5, 'ten']) {
      const reply = await sendAudio(questionId, user, amrSample(), { audio_len: len });
      assertError(reply, 'param_invalid', 'audio_len');
    }
    const missing = await f.api.post(`/v1/question/${questionId}/message/send_audio`, {
      session: user.session,
      sender: user.userId,
      sender_type: 1,
      audio: wav().toString('base64'),
    });
    assert.deepEqual([missing.status, missing.body.error, missing.body.field], [400, 'param_missing', 'audio_len']);
  });

  it('accepts exactly the byte limit, JSON or form-encoded, and refuses one byte more (413)', async () => {
    // Random bytes, like compressed audio: their base64 is full of + and /, which a form triples.
    const header = wav(0);
    const exact = Buffer.concat([header, randomBytes(LIMITS.audioBytes - header.length)]);
    for (const form of [false, true]) {
      const reply = await sendAudio(questionId, user, exact, {}, { form });
      assert.equal(reply.status, 200, `form=${form}: ${reply.text.slice(0, 200)}`);
    }
    const over = await sendAudio(questionId, user, Buffer.concat([exact, Buffer.alloc(1)]));
    assert.equal(over.status, 413, over.text.slice(0, 200));
    assert.deepEqual([over.body.error, over.body.field], ['payload_too_large', 'audio']);
  });

  it('applies the send_text sender rules', async () => {
    const mismatch = await sendAudio(questionId, user, wav(), { sender: agent.servId });
    assert.deepEqual([mismatch.status, mismatch.body.error], [403, 'sender_mismatch']);
    const stranger = await f.user({ identify: user.identify });
    const foreign = await sendAudio(questionId, stranger, wav());
    assert.deepEqual([foreign.status, foreign.body.error], [403, 'forbidden']);
    const other = await f.agent({ identifies: [user.identify] });
    const notServing = await sendAudio(questionId, other, wav());
    assert.deepEqual([notServing.status, notServing.body.error], [409, 'question_taken']);
  });
});

function amrSample(): Buffer {
  return AUDIO_SAMPLES.find((s) => s.ext === 'amr')!.bytes();
}
