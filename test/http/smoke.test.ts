import assert from 'node:assert/strict';
import { useTestServer } from '../support/server.js';

describe('smoke: ask → list → serve → chat → finish → reopen', () => {
  const { f } = useTestServer();

  it('walks the main flow', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const q = await f.question(user, { label: ['激活'] });
    const list = await f.api.get('/v1/question/list', { label: '激活' }, { session: agent.session });
    assert.equal(list.status, 200);
    assert.equal(list.body.questions[0].question_id, q);
    await f.serve(q, agent);
    assert.equal((await f.sendText(q, user, 'hello')).status, 200);
    assert.equal((await f.sendText(q, agent, 'hi, how can I help')).status, 200);
    const fin = await f.api.post(`/v1/question/${q}/finish`, { session: agent.session, serv_id: agent.servId });
    assert.equal(fin.status, 200, JSON.stringify(fin.body));
    const online = await f.online(agent); // back to its agent while that agent is online
    const re = await f.api.post(`/v1/question/${q}/reopen`, { session: user.session });
    assert.equal(re.status, 200, JSON.stringify(re.body));
    online.close();
    const msgs = await f.api.get(`/v1/question/${q}/message`, { sort: 1 }, { session: user.session });
    assert.deepEqual(
      msgs.body.messages.map((m: any) => [m.seq, m.type, m.action ?? m.text]),
      [
        [1, 4, 1],
        [2, 3, 'hello'],
        [3, 3, 'hi, how can I help'],
        [4, 4, 4],
        [5, 4, 6],
      ],
    );
    const tasks = await f.api.get(`/v1/serv/${agent.servId}/tasks`, {}, { session: agent.session });
    assert.equal(tasks.body.questions[0].question_id, q);
  });
});
