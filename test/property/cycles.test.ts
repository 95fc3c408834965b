/**
 * Property: the cycle metrics the store keeps as a conversation happens equal those folded from the
 * conversation's message history afterwards. Random conversations (rows of the transition table
 * allowed in the current status, user and agent messages of every kind) run against the embedded
 * store; the fold reads only the notices and messages by seq (plus where each reopen went, which a
 * notice does not say).
 * Replay with KEFU_FC_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { ACTION, STATUS } from '../../shared/limits.js';
import { TRANSITIONS, type TransitionName } from '../../server/domain/stateMachine.js';
import { SqliteStore } from '../../server/stores/sqlite/sqliteStore.js';
import type { CycleRecord, MessageRecord, QuestionRecord } from '../../server/stores/types.js';
import { agentText, applyRow } from '../stores/contract/cycles.js';
import { USER_GUARD, newQuestion, userText } from '../stores/contract/support.js';
import { fcOptions, fcTimeout } from '../support/arbitraries.js';

const AGENT_IDS = ['s1', 's2', 's3'];
/** The rows a person or the sweeper triggers here (release and userRemoved behave as quit and finish). */
const ROWS: TransitionName[] = ['serve', 'quit', 'requestFinish', 'finish', 'confirmFinish', 'reopen', 'timeOut', 'finishUnconfirmed'];

type Step =
  | { kind: 'row'; row: TransitionName; agent: number; keepsAgent: boolean }
  | { kind: 'send'; fromAgent: boolean; type: 1 | 2 | 3 };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('row' as const), row: fc.constantFrom(...ROWS), agent: fc.nat(AGENT_IDS.length - 1), keepsAgent: fc.boolean() }),
  fc.record({ kind: fc.constant('send' as const), fromAgent: fc.boolean(), type: fc.constantFrom(1 as const, 2 as const, 3 as const) }),
);

type Folded = Omit<CycleRecord, 'id' | 'questionId' | 'identify' | 'labels' | 'rating'>;

/** The cycles as the history tells them: notices open, serve and end cycles; chat messages count. */
function fold(question: QuestionRecord, history: MessageRecord[], reopenedTo: Map<string, number>): Folded[] {
  const cycles: Folded[] = [];
  const open = (at: number): Folded => {
    const c: Folded = { n: cycles.length + 1, startedAt: at, servedAt: null, firstResponseAt: null, resolvedAt: null, outcome: null, userMessages: 0, agentMessages: 0, agents: [], lastAgent: null };
    cycles.push(c);
    return c;
  };
  let current = open(question.createdAt);
  let agent: string | null = null;
  const served = (servId: string, at: number) => {
    current.servedAt ??= at;
    if (!current.agents.includes(servId)) current.agents.push(servId);
    current.lastAgent = servId;
  };
  for (const m of history) {
    if (m.type !== 4) {
      if (m.senderType === 2) {
        current.agentMessages++;
        current.firstResponseAt ??= m.createdAt;
      } else current.userMessages++;
      continue;
    }
    switch (m.action) {
      case ACTION.agentStarted:
        agent = m.sender;
        served(agent, m.createdAt);
        break;
      case ACTION.agentQuit:
        agent = null;
        break;
      case ACTION.reopened:
        current = open(m.createdAt);
        if (reopenedTo.get(m.id) === STATUS.inProgress && agent) served(agent, m.createdAt);
        else agent = null;
        break;
      case ACTION.finished:
      case ACTION.timedOut:
        current.resolvedAt = m.createdAt;
        current.outcome = m.action === ACTION.timedOut ? 'timed_out' : m.senderType === 1 ? 'confirmed' : 'finished';
        if (agent) current.lastAgent = agent;
        break;
    }
  }
  return cycles;
}

describe('property: stored cycle metrics equal those folded from the message history', function () {
  this.timeout(fcTimeout(120_000));
  let dataDir: string;
  let store: SqliteStore;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-cycles-'));
    store = new SqliteStore({ dataDir });
  });
  after(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('for random conversations with quits, reopens, finish requests and timeouts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        let now = 1_800_000_000;
        let q = await newQuestion(store, { now });
        const reopenedTo = new Map<string, number>();
        for (const s of steps) {
          now += 1 + (s.kind === 'row' ? s.agent : s.type) * 0.25;
          if (s.kind === 'send') {
            if (s.fromAgent && q.status === STATUS.inProgress && q.servId) {
              await store.conversations.appendMessage(agentText(q.id, q.servId, now, s.type), { statuses: [2], servId: q.servId });
            } else if (!s.fromAgent && q.status !== STATUS.resolved) {
              await store.conversations.appendMessage(userText(q.id, 'hi', { now, type: s.type, ...(s.type === 3 ? {} : { text: undefined, mediaPath: '/v1/media/audio/a.m4a' }) }), USER_GUARD);
            }
            continue;
          }
          const rule = TRANSITIONS[s.row];
          if (!(rule.from as readonly number[]).includes(q.status)) continue;
          if ('needsFinishRequest' in rule && rule.needsFinishRequest && q.finishRequestedAt === null) continue;
          const servId = rule.by === 'servingAgent' ? (q.servId ?? undefined) : AGENT_IDS[s.agent];
          const keepsAgent = s.keepsAgent && q.servId !== null;
          const before = q;
          q = await applyRow(store, q, s.row, now, servId, keepsAgent);
          if (s.row === 'reopen') {
            const [notice] = await store.conversations.listMessages(q.id, { num: 1, offset: 0, sort: -1 });
            reopenedTo.set(notice!.id, q.status);
          }
          assert.ok(q.lastSeq > before.lastSeq);
        }
        const history = await store.conversations.listMessages(q.id, { num: 1000, offset: 0, sort: 1 });
        const stored = (await store.cycles.listCycles(q.id)).map(({ id: _id, questionId: _q, identify: _i, labels: _l, rating: _r, ...rest }) => rest);
        assert.deepEqual(stored, fold(q, history, reopenedTo));
      }),
      fcOptions(150),
    );
  });
});
