/**
 * Retried sends: generated sequences of text / image / audio sends by one session, on two
 * questions, with client_msg_ids drawn from a small pool. A send whose client_msg_id was used
 * before by this session is a retry only on the same question for the same kind of message: then
 * it answers the first message again; anything else is param_invalid on client_msg_id. Every
 * media URL a send answers points at stored media of its own kind. Replay with KEFU_FC_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import sharp from 'sharp';
import { messagesReply } from '../../shared/schemas/responses.js';
import { fcOptions, fcTimeout } from '../support/arbitraries.js';
import { assertError } from '../support/envelope.js';
import type { TestUser } from '../support/factories.js';
import { wav } from '../media/fixtures.js';
import { useTestServer } from '../support/server.js';

type Kind = 'text' | 'image' | 'audio';
const TYPE: Record<Kind, number> = { audio: 1, image: 2, text: 3 };
const MEDIA_URL = (kind: Kind) => new RegExp(`/v1/media/${kind}/[0-9a-f]{24}\\.[a-z0-9]{2,4}$`);

interface Send {
  kind: Kind;
  q: 0 | 1;
  cid: string | undefined;
}

const send: fc.Arbitrary<Send> = fc.record({
  kind: fc.constantFrom<Kind>('text', 'image', 'audio'),
  q: fc.constantFrom<0 | 1>(0, 1),
  cid: fc.constantFrom(undefined, 'a', 'b', 'c'),
});

describe('property: client_msg_id retries', function () {
  this.timeout(fcTimeout(60_000));
  const { f } = useTestServer();
  let jpeg: string;
  before(async () => {
    jpeg = (await sharp({ create: { width: 2, height: 2, channels: 3, background: 'red' } }).jpeg().toBuffer()).toString('base64');
  });

  function post(user: TestUser, questionId: string, s: Send) {
    const body: Record<string, unknown> = { session: user.session, sender: user.userId, sender_type: 1 };
    if (s.cid !== undefined) body.client_msg_id = s.cid;
    if (s.kind === 'text') body.text = 'hello';
    if (s.kind === 'image') body.image = jpeg;
    if (s.kind === 'audio') Object.assign(body, { audio: wav().toString('base64'), audio_len: 2 });
    return f.api.post(`/v1/question/${questionId}/message/send_${s.kind}`, body);
  }

  it('a retry answers the first message of the same kind; any other reuse is param_invalid', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(send, { minLength: 1, maxLength: 8 }), async (sends) => {
        const user = await f.user();
        const questions = [await f.question(user), await f.question(user)];
        const first = new Map<string, { send: Send; reply: Record<string, unknown> }>();
        for (const s of sends) {
          const reply = await post(user, questions[s.q]!, s);
          const earlier = s.cid === undefined ? undefined : first.get(s.cid);
          const context = `${JSON.stringify(s)} after ${JSON.stringify(earlier?.send)} → ${reply.status} ${reply.text}`;
          if (earlier && (earlier.send.q !== s.q || earlier.send.kind !== s.kind)) {
            assertError(reply, 'param_invalid', 'client_msg_id');
            continue;
          }
          assert.equal(reply.status, 200, context);
          if (s.kind !== 'text') assert.match(reply.body[`${s.kind}_url`], MEDIA_URL(s.kind), context);
          if (earlier) assert.deepEqual(reply.body, earlier.reply, context);
          else if (s.cid !== undefined) first.set(s.cid, { send: s, reply: reply.body });
          const listed = await f.api.get(`/v1/question/${questions[s.q]}/message`, { num: 50 }, { session: user.session });
          const message = messagesReply.parse(listed.body).messages.find((m) => m.message_id === reply.body.message_id);
          assert.equal(message?.type, TYPE[s.kind], context);
        }
      }),
      fcOptions(20),
    );
  });

  describe('regressions found by the property', () => {
    it('an image send reusing the client_msg_id of a text message is param_invalid, not the text message with image_url = the site root', async () => {
      const user = await f.user();
      const q = await f.question(user);
      assert.equal((await post(user, q, { kind: 'text', q: 0, cid: 'a' })).status, 200);
      assertError(await post(user, q, { kind: 'image', q: 0, cid: 'a' }), 'param_invalid', 'client_msg_id');
    });

    it('an audio send reusing the client_msg_id of an image is param_invalid, not audio_url = the image', async () => {
      const user = await f.user();
      const q = await f.question(user);
      assert.equal((await post(user, q, { kind: 'image', q: 0, cid: 'a' })).status, 200);
      assertError(await post(user, q, { kind: 'audio', q: 0, cid: 'a' }), 'param_invalid', 'client_msg_id');
    });
  });
});
