import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { factories, type Factories, type TestAgent, type TestUser } from '../support/factories.js';
import { startTestServer, tempDataDir, useTestServer, type TestServer } from '../support/server.js';
import { eventually } from '../support/eventually.js';
import { movableClock } from './support.js';

/** Timeouts in seconds of the moved clock; the timer sweeps every 0.2 s of real time. */
const TIMEOUTS = {
  QUESTION_PENDING_TIMEOUT_S: '100',
  QUESTION_IDLE_TIMEOUT_S: '200',
  FINISH_CONFIRM_TIMEOUT_S: '50',
};

async function messages(f: Factories, questionId: string, user: TestUser) {
  const reply = await f.api.get(`/v1/question/${questionId}/message`, { sort: 1, num: 50 }, { session: user.session });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.messages as any[];
}

const notices = (list: any[], action: number) => list.filter((m) => m.type === 4 && m.action === action);

describe('jobs: timeout sweeper', () => {
  describe('on one node, sweeping on demand', () => {
    const clock = movableClock();
    // A long interval keeps the timer out of the way; these tests call sweep() themselves.
    const { server, f } = useTestServer({ env: { ...TIMEOUTS, SWEEP_INTERVAL_S: '3600' }, now: clock.now });

    const status = async (questionId: string) => (await server.deps.store.conversations.getQuestion(questionId))!.status;
    const sweep = () => server.jobs.sweeper.sweep();

    it('resolves a question pending too long with a system notice of action 5, not earlier', async () => {
      const user = await f.user();
      const q = await f.question(user);
      clock.advance(90);
      await sweep();
      assert.equal(await status(q), 1);
      clock.advance(20);
      await sweep();
      assert.equal(await status(q), 3);
      const last = (await messages(f, q, user)).at(-1);
      assert.deepEqual([last.type, last.action, last.sender, last.sender_type], [4, 5, 'system', 2]);
    });

    it('resolves an in-progress question idle too long (action 5), keeping its agent', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      clock.advance(150);
      await sweep();
      assert.equal(await status(q), 2);
      clock.advance(60);
      await sweep();
      const question = (await server.deps.store.conversations.getQuestion(q))!;
      assert.equal(question.status, 3);
      assert.equal(question.servId, agent.servId);
      assert.equal(notices(await messages(f, q, user), 5).length, 1);
    });

    it('a message in time cancels the idle timeout', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      clock.advance(150);
      assert.equal((await f.sendText(q, agent, 'still looking into it')).status, 200);
      clock.advance(100); // 250 s since serve, 100 s since the message
      await sweep();
      assert.equal(await status(q), 2);
      clock.advance(110); // 210 s since the message
      await sweep();
      assert.equal(await status(q), 3);
      assert.equal(notices(await messages(f, q, user), 5).length, 1);
    });

    it('finishes an unconfirmed finish request by itself with action 4', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      await requestFinish(f, q, agent);
      clock.advance(40);
      await sweep();
      assert.equal(await status(q), 2);
      clock.advance(20);
      await sweep();
      assert.equal(await status(q), 3);
      const last = (await messages(f, q, user)).at(-1);
      assert.deepEqual([last.type, last.action, last.sender, last.sender_type], [4, 4, 'system', 2]);
    });

    it('a user message cancels the unconfirmed finish', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      await requestFinish(f, q, agent);
      clock.advance(30);
      assert.equal((await f.sendText(q, user, 'wait, one more thing')).status, 200);
      clock.advance(30); // 60 s since the request
      await sweep();
      const question = (await server.deps.store.conversations.getQuestion(q))!;
      assert.equal(question.status, 2);
      assert.equal(question.finishRequestedAt, null);
      assert.equal(notices(await messages(f, q, user), 4).length, 0);
    });

    it('a message landing between the scan and the write cancels the timeout', async () => {
      const { user, questionId: q } = await f.servedQuestion();
      clock.advance(250);
      const store = server.deps.store;
      const scan = store.conversations.scanTimeouts.bind(store.conversations);
      let sent = false;
      store.conversations.scanTimeouts = async (args) => {
        const found = await scan(args);
        if (found.idle.includes(q) && !sent) {
          sent = true;
          assert.equal((await f.sendText(q, user, 'hello?')).status, 200);
        }
        return found;
      };
      try {
        await sweep();
      } finally {
        store.conversations.scanTimeouts = scan;
      }
      assert.ok(sent, 'the scan found the idle question');
      assert.equal(await status(q), 2);
      assert.equal(notices(await messages(f, q, user), 5).length, 0);
    });

    it('a store error fails one sweep, not the sweeper', async () => {
      const user = await f.user();
      const q = await f.question(user);
      clock.advance(110);
      const store = server.deps.store;
      const scan = store.conversations.scanTimeouts;
      store.conversations.scanTimeouts = async () => {
        throw new Error('database is locked');
      };
      try {
        await sweep(); // resolves: the error is logged
      } finally {
        store.conversations.scanTimeouts = scan;
      }
      assert.equal(await status(q), 1);
      await sweep();
      assert.equal(await status(q), 3);
    });
  });

  describe('on a timer, on two nodes sharing one DATA_DIR', () => {
    const dataDir = tempDataDir();
    const clock = movableClock();
    let a: TestServer;
    let b: TestServer;
    let fa: Factories;
    let fb: Factories;
    before(async () => {
      const env = { ...TIMEOUTS, SWEEP_INTERVAL_S: '0.2', DATA_DIR: dataDir };
      a = await startTestServer(env, { now: clock.now });
      b = await startTestServer(env, { now: clock.now });
      fa = factories(a);
      fb = factories(b);
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('times every question out exactly once although both nodes sweep', async () => {
      const user = await fa.user();
      const agent = await fb.agent({ identifies: [user.identify] });
      const pending: string[] = [];
      const served: string[] = [];
      for (let i = 0; i < 6; i++) pending.push(await (i % 2 ? fa : fb).question(user, { title: `pending ${i}` }));
      for (let i = 0; i < 6; i++) {
        const q = await fa.question(user, { title: `served ${i}` });
        await fb.serve(q, agent);
        served.push(q);
      }
      clock.advance(250);
      // Besides the timers, force both nodes into the same sweep at the same moment.
      await Promise.all([a.jobs.sweeper.sweep(), b.jobs.sweeper.sweep()]);
      const all = [...pending, ...served];
      await eventually(async () => {
        const questions = await Promise.all(all.map((q) => a.deps.store.conversations.getQuestion(q)));
        return questions.every((q) => q!.status === 3);
      }, 'every question resolved');
      for (const q of all) {
        const list = await messages(fa, q, user);
        assert.equal(notices(list, 5).length, 1, `question ${q}: ${JSON.stringify(list)}`);
        assert.deepEqual(list.map((m) => m.seq), list.map((_, i) => i + 1));
      }
    });

    it('the timer alone resolves a question once its time is up', async () => {
      const user = await fb.user();
      const q = await fb.question(user);
      clock.advance(101);
      await eventually(async () => (await b.deps.store.conversations.getQuestion(q))!.status === 3, 'the timeout');
      assert.equal(notices(await messages(fb, q, user), 5).length, 1);
    });
  });
});

async function requestFinish(f: Factories, questionId: string, agent: TestAgent) {
  const reply = await f.api.post(`/v1/question/${questionId}/request_finish`, { session: agent.session, serv_id: agent.servId });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
}
