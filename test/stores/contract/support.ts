/** Shared helpers of the store contract parts. */
import { sessionDigest } from '../../../server/domain/sessionTokens.js';
import type { ChangeRecord, ClockOffset, NewMessage, QuestionRecord, SessionRecord, Store, TransitionRefusal, TransitionResult } from '../../../server/stores/types.js';

/** A fresh, empty store, opened with `clock` as its clock offset; see StoreFactory. */
export interface OpenedStore {
  store: Store;
  /**
   * Opens another store on the same database, as a second node (or process) would, with the
   * same clock offset; the suite closes it before `destroy`.
   */
  openPeer: () => Promise<Store>;
  /** Closes the store and removes its data. */
  destroy: () => Promise<void>;
}
export type StoreFactory = (clock: ClockOffset) => Promise<OpenedStore>;
export type GetStore = () => Store;

/** What a contract part may use besides the store: the database clock's offset and peers on the same database. */
export interface ContractContext {
  /** Move `clock().seconds` forward to let leases run out (reset to 0 before each test). */
  clock: () => ClockOffset;
  peer: () => Promise<Store>;
}

/** A fixed clock origin, so ids (which embed the creation second) sort as the test intends. */
export const T0 = 1_732_790_000.25;

/** The digest a session token is stored under (stores only ever see digests). */
export const digestOf = sessionDigest;
export const DIGEST_1 = sessionDigest('SESSION00001');
export const DIGEST_2 = sessionDigest('SESSION00002');

export async function newQuestion(store: Store, props: Partial<{ identify: string; userId: string; labels: string[]; now: number; title: string }> = {}): Promise<QuestionRecord> {
  return store.conversations.createQuestion({
    identify: props.identify ?? 'com.example.app',
    userId: props.userId ?? 'u1',
    title: props.title ?? 'Help',
    labels: props.labels ?? [],
    now: props.now ?? T0,
  });
}

/** Pending → in progress, served by servId. */
export async function serve(store: Store, questionId: string, servId: string, now = T0 + 1): Promise<QuestionRecord> {
  const result = await store.conversations.transition(
    {
      questionId,
      from: [1],
      to: 2,
      setServId: servId,
      notice: { sender: servId, senderType: 2, action: 1 },
      now,
    },
    { status: 1, servId: null },
  );
  return applied(result).question;
}

/** The result of a transition that must have been written (a refusal fails the test with its reason). */
export function applied(result: TransitionResult | TransitionRefusal): TransitionResult {
  if (result === null || result === 'at_capacity') throw new Error(`transition refused: ${result}`);
  return result;
}

export function userText(questionId: string, text: string, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    questionId,
    sender: 'u1',
    senderType: 1,
    type: 3,
    text,
    sessionDigest: DIGEST_1,
    summaryText: text,
    cancelsFinishRequest: false,
    now: T0 + 2,
    ...extra,
  };
}

export const USER_GUARD = { statuses: [1, 2] as (1 | 2 | 3)[], userId: 'u1' };

/** A device session record for the token `token` (stored under its digest). */
export function sessionFor(token: string, props: Partial<SessionRecord> = {}): SessionRecord {
  return { digest: sessionDigest(token), userId: 'u1', identify: 'com.a', servId: null, kind: 'app', createdAt: T0, lastUsedAt: T0, ...props };
}

/** The change feed after `afterSeq`, as [kind, key] pairs. */
export async function changesAfter(store: Store, afterSeq: number): Promise<Array<[ChangeRecord['kind'], string]>> {
  return (await store.outbox.listChanges(afterSeq, 1000)).map((c) => [c.kind, c.key]);
}

/** Claims every free recorded event and completes them. */
export async function drainEvents(store: Store) {
  const events = await store.outbox.claimEvents(30, 1000);
  for (const event of events) await store.outbox.completeEvent(event.id);
  return events;
}
