/**
 * Media URLs per origin over sockets (no PUBLIC_URL): each socket gets the message once, with URLs
 * on the origin it connected to, and an origin is forgotten when its last socket leaves.
 */
import assert from 'node:assert/strict';
import { socketOrigins, originRoomOf } from '../../server/realtime/origins.js';
import { noisyJpeg } from '../media/fixtures.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket, type Recorded } from '../support/sockets.js';

describe('real time: media URLs per origin', () => {
  const { server, f } = useTestServer();
  const open: Recorded[] = [];
  afterEach(() => open.splice(0).forEach((r) => r.close()));

  async function socketVia(host: string, session: string): Promise<Recorded> {
    const recorded = await recordedSocket(server.url, session, { extraHeaders: { host } });
    open.push(recorded);
    return recorded;
  }

  it('gives each socket one message:new with image URLs on the Host it connected through', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const questionId = await f.question(user);
    await f.serve(questionId, agent);
    const viaA = await socketVia('chat-a.example:8443', user.session);
    const viaB = await socketVia('chat-b.example:9443', agent.session);
    const image = (await noisyJpeg(40, 30)).toString('base64');
    const sent = await f.api.post(`/v1/question/${questionId}/message/send_image`, { session: user.session, sender: user.userId, sender_type: 1, image });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    for (const [recorded, origin] of [[viaA, 'http://chat-a.example:8443/'], [viaB, 'http://chat-b.example:9443/']] as const) {
      const { message } = await recorded.waitFor('message:new', (p) => p.question_id === questionId && p.message.type === 2);
      assert.equal(message.type, 2);
      assert.ok(message.image_url.startsWith(origin), `${message.image_url} is not on ${origin}`);
      await recorded.flush();
      assert.equal(recorded.all('message:new').filter((p) => p.question_id === questionId && p.message.type === 2).length, 1);
    }
  });
});

describe('socket origins (the per-node count the publisher reads)', () => {
  it('lists each origin while a socket of it is connected, with the rooms of the others', () => {
    const origins = socketOrigins();
    const a = origins.add('http://a.example');
    assert.equal(origins.add('http://a.example'), a, 'one room string per origin');
    const b = origins.add('http://b.example');
    assert.equal(a, originRoomOf('http://a.example'));
    assert.deepEqual(origins.local(), [['http://a.example', [b]], ['http://b.example', [a]]]);
    origins.removeFrom(['device:x', a]);
    assert.deepEqual(origins.local().map(([url]) => url), ['http://a.example', 'http://b.example'], 'a still has a socket');
    origins.removeFrom([b, 'user:u1']);
    origins.removeFrom(['user:u1']);
    assert.deepEqual(origins.local(), [['http://a.example', []]]);
    origins.removeFrom([a]);
    assert.deepEqual(origins.local(), []);
  });
});
