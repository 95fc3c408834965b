/**
 * Seeds a report world in a process of its own, directly through the SqliteStore (the same writes
 * the API makes, with chosen times): `questions` questions of one app over 30 days, served by 50
 * agents, answered, resolved or timed out, some reopened, most rated. Input (readInput):
 * `{dataDir, questions, identify, from}`; output: "RESULT {questions, cycles, seedS}".
 */
import { performance } from 'node:perf_hooks';
import { SqliteStore } from '../../server/stores/sqlite/sqliteStore.js';
import type { QuestionRecord } from '../../server/stores/types.js';
import { applyRow } from '../../test/stores/contract/cycles.js';
import { readInput } from './processes.js';

const input = readInput<{ dataDir: string; questions: number; identify: string; from: number }>();
const store = new SqliteStore({ dataDir: input.dataDir });
const AGENTS = Array.from({ length: 50 }, (_, i) => `agent-${i}`);
const LABELS = [[], ['billing'], ['shipping'], ['billing', 'vip']];
const SPAN_S = 30 * 86_400;
/** A small deterministic generator, so two runs seed the same world. */
let state = 42;
const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

/** One row of the transition table as the transitioner writes it (the contract suite's helper). */
const row = (q: QuestionRecord, name: 'serve' | 'finish' | 'timeOut' | 'reopen', now: number, servId?: string) => applyRow(store, q, name, now, servId);

const send = (q: QuestionRecord, agent: string | null, now: number) =>
  store.conversations.appendMessage(
    { questionId: q.id, sender: agent ?? q.userId, senderType: agent ? 2 : 1, type: 3, text: 'hi', sessionDigest: 'bench', summaryText: 'hi', cancelsFinishRequest: false, now },
    agent ? { statuses: [2], servId: agent } : { statuses: [1, 2], userId: q.userId },
  );

/** One conversation: ask, a user message, mostly a serve and an answer, an end, a rating, now and then a reopen. */
async function conversation(i: number): Promise<number> {
  let t = input.from + (i / input.questions) * SPAN_S;
  let q = await store.conversations.createQuestion({ identify: input.identify, userId: `user-${i % 5000}`, title: 'Help', labels: LABELS[i % LABELS.length]!, now: t });
  await send(q, null, (t += 1));
  let cycles = 1;
  if (random() < 0.1) {
    await row(q, 'timeOut', t + 900);
    return cycles;
  }
  const agent = AGENTS[Math.floor(random() * AGENTS.length)]!;
  q = await row(q, 'serve', (t += random() * 600), agent);
  await send(q, agent, (t += random() * 120));
  q = await row(q, random() < 0.9 ? 'finish' : 'timeOut', (t += random() * 1800), agent);
  if (random() < 0.6) await store.cycles.rate({ questionId: q.id, userId: q.userId, score: 1 + Math.floor(random() * 5), comment: '', now: t + 60 });
  if (random() < 0.05) {
    q = await row(q, 'reopen', (t += 3600));
    cycles++;
    if (q.status === 2) await row(q, 'finish', t + 300, q.servId!);
  }
  return cycles;
}

try {
  const started = performance.now();
  let next = 0;
  let cycles = 0;
  // Many conversations in flight, so the store's group commit carries many writes per fsync.
  const worker = async () => {
    while (next < input.questions) {
      const written = await conversation(next++);
      cycles += written;
    }
  };
  await Promise.all(Array.from({ length: 256 }, worker));
  process.stdout.write(`RESULT ${JSON.stringify({ questions: input.questions, cycles, seedS: (performance.now() - started) / 1000 })}\n`);
} finally {
  await store.close();
}
