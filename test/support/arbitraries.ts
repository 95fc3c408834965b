/**
 * fast-check arbitraries for the property tests: hostile parameter values (wrong types, operator
 * shapes, unicode edge cases, huge and empty strings, numbers as strings), whole requests against
 * one catalogue endpoint, and the encoder that puts them on the wire (JSON, form, raw, query).
 * `fcOptions` reads KEFU_FC_SEED so a failure printed by fast-check can be replayed, and
 * KEFU_FC_RUNS_SCALE to run longer (e.g. 10 for a soak).
 */
import fc from 'fast-check';
import type { Endpoint } from '../../shared/endpoints.js';
import type { TestAgent, TestUser } from './factories.js';

/** numRuns plus the seed from KEFU_FC_SEED (fast-check prints seed and path on failure). */
export function fcOptions(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.KEFU_FC_SEED;
  const scale = Number(process.env.KEFU_FC_RUNS_SCALE ?? 1);
  return { numRuns: Math.max(1, Math.round(numRuns * scale)), ...(seed ? { seed: Number(seed) } : {}) };
}

/** A mocha timeout for a property, scaled with KEFU_FC_RUNS_SCALE like its numRuns. */
export function fcTimeout(ms: number): number {
  return ms * Math.max(1, Number(process.env.KEFU_FC_RUNS_SCALE ?? 1));
}

/** The real data a fuzzed request may point at. */
export interface World {
  user: TestUser;
  agent: TestAgent;
  /** An agent of another app. */
  foreignAgent: TestAgent;
  questionId: string;
  messageId: string;
  templateId: string;
  itemId: string;
  /** base64 of a tiny real JPEG and WAV, so media sends can also succeed. */
  jpeg: string;
  wav: string;
}

export const hex24 = fc.stringMatching(/^[0-9a-f]{24}$/);

const nastyStrings = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', 'x\uDC00y', '\u202Eevil\u202C', 'مرحبا بالعالم', '😀👨‍👩‍👧‍👦',
  '𝕏𝕪', '\r\n', '\t', '<script>alert(1)</script>', "' OR 1=1 --", '{"$ne":null}', '["a"]', '[]', 'null',
  'undefined', 'true', '__proto__', 'constructor', '%00', '%E0%A4%A', '../../etc/passwd', 'ÄÄÄÄÄÄÄÄÄÄÄÄ',
  'AAAAAAAAAAAA', 'a'.repeat(21), 'a'.repeat(81), 'x'.repeat(4001), '\uFEFF', '\u200B',
];

/** Strings nobody should trust: unicode edge cases, control characters, injection shapes. */
export const weirdString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...nastyStrings),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
);

/** Numbers and number-looking strings: negative, float, huge, hex, padded. */
export const numberish: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('0', '1', '-1', '+1', '50', '51', '1.5', '1e2', '0x10', ' 1', '1 ', '99999999999', '-0', 'NaN', 'Infinity', '600', '601'),
  fc.integer({ min: -100, max: 700 }).map(String),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 1.5, -0.5, 1e308, 600, 601, 51, 2),
);

/** Wrong types: arrays, operator objects, null, booleans. */
export const shaped: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, {}, [], { $ne: null }, { $gt: '' }, { $where: '1' }, { a: { b: 1 } }),
  fc.array(fc.oneof(weirdString, fc.integer()), { minLength: 1, maxLength: 3 }),
  fc.dictionary(fc.constantFrom('$ne', '$gt', '$in', 'a.b', '0'), fc.oneof(weirdString, fc.integer()), { maxKeys: 2 }),
);

/** A string of over 100 KB that prints short in fast-check's counterexamples. */
export class Huge {
  constructor(
    readonly char: string,
    readonly length: number,
  ) {}
  toString(): string {
    return this.char.repeat(Math.ceil(this.length / this.char.length));
  }
  toJSON(): string {
    return this.toString();
  }
  [fc.toStringMethod](): string {
    return `Huge(${JSON.stringify(this.char)} × ${this.length})`;
  }
}

/** Over 100 KB; the caller decides where that fits under the body limit. */
export const huge: fc.Arbitrary<Huge> = fc
  .tuple(fc.integer({ min: 100_001, max: 130_000 }), fc.constantFrom('x', 'é', '😀', '%', '\u0000'))
  .map(([n, c]) => new Huge(c, n));

/** Operator-shaped and otherwise unexpected parameter names. */
export const oddKeys = ['label[$ne]', '$where', 'a.b', 'page[]', 'serv_id[$gt]', 'identify.x', '__proto__', 'constructor', 'unknown', 'session[]'];

/** Values that make sense for a parameter name, so some requests get past validation. */
export function plausible(key: string, w: World): fc.Arbitrary<unknown> {
  const fresh = fc.stringMatching(/^fz[a-z0-9]{4,10}$/);
  const table: Record<string, fc.Arbitrary<unknown>> = {
    session: fc.constantFrom(w.user.session, w.agent.session),
    question_id: fc.oneof(fc.constant(w.questionId), hex24),
    message_id: fc.oneof(fc.constant(w.messageId), hex24),
    item_id: fc.oneof(fc.constant(w.itemId), hex24),
    template_id: fc.oneof(fc.constant(w.templateId), hex24),
    serv_id: fc.constantFrom(w.agent.servId, w.foreignAgent.servId),
    password: fc.constantFrom(w.agent.password, 'wrong-password'),
    user_id: fc.constantFrom(w.user.userId, w.agent.servId),
    identify: fc.constantFrom(w.user.identify, w.foreignAgent.identifies[0]!, 'com.nope'),
    label: fc.constantFrom('["a","安卓4.3"]', 'a', '[]', ['a', 'b']),
    title: fc.constantFrom('Help', '激活失败', ''),
    text: fc.constantFrom('hello', '你好 😀', 'line\nbreak'),
    sender: fc.constantFrom(w.user.userId, w.agent.servId, 'system'),
    sender_type: fc.constantFrom(1, 2, '1', '2'),
    page: fc.constantFrom(0, 1, '0', 50),
    num: fc.constantFrom(1, 20, '50'),
    sort: fc.constantFrom(1, -1, '1', '-1'),
    image: fc.constantFrom(w.jpeg, `data:image/jpeg;base64,${w.jpeg}`, '/9j/4AAQ', 'not base64!'),
    audio: fc.constantFrom(w.wav, 'UklGRg==', 'not base64!'),
    audio_len: fc.constantFrom(1, 5, '600'),
    client_msg_id: fresh,
    name: fc.constantFrom('Name', ''),
    image_url: fc.constantFrom('https://example.com/a.png', 'javascript:alert(1)'),
    device_count: fc.constantFrom(0, 3, '7'),
    group_count: fc.constantFrom(0, 3, '7'),
    identifies: fc.constantFrom([w.user.identify], w.user.identify, []),
    question: fc.constantFrom('Q?'),
    content: fc.constantFrom('A.'),
  };
  // Admin writes name fresh accounts, so fuzzing never re-provisions the agents the test uses.
  if (key === 'serv_id_admin' || key === 'user_id_admin') return fresh;
  return Object.hasOwn(table, key) ? table[key]! : fc.constant('x');
}

/** Any value for a parameter: plausible, wrong-typed, weird, empty, and (when allowed) huge. */
export function anyValue(key: string, w: World, allowHuge: boolean): fc.Arbitrary<unknown> {
  const arbs: Array<fc.WeightedArbitrary<unknown>> = [
    { arbitrary: plausible(key, w), weight: 8 },
    { arbitrary: weirdString, weight: 3 },
    { arbitrary: numberish, weight: 2 },
    { arbitrary: shaped, weight: 2 },
    { arbitrary: fc.constant(''), weight: 1 },
  ];
  if (allowHuge) arbs.push({ arbitrary: huge, weight: 1 });
  return fc.oneof(...arbs);
}

export type SessionChoice = 'user' | 'agent' | 'foreignAgent' | 'none' | 'malformed' | 'unknown' | 'array';
export type Encoding = 'json' | 'form' | 'rawJson' | 'dupJson' | 'textPlain' | 'badCharset' | 'gzipGarbage' | 'manyParams';

/** One fuzzed request against one endpoint, before encoding. */
export interface FuzzRequest {
  path: Record<string, string>;
  params: Array<[string, unknown]>;
  session: SessionChoice;
  sessionPlace: 'param' | 'header' | 'query';
  admin: 'token' | 'wrong' | 'none';
  encoding: Encoding;
  raw: string;
  /** Extra raw query text (bad escapes, duplicates) appended to GET URLs. */
  rawQuery: string;
}

const malformedJson = ['{', '{"a":', '[1,2]', '"str"', 'null', '123', 'true', '{"session":}', '\u0000', '{"a":1}garbage', "{'a':1}", '{"a":1,}', ''];

/** Path parameter values: real ids, random well-formed ids, and junk. */
function pathValue(name: string, w: World): fc.Arbitrary<string> {
  const junk = fc.constantFrom('123', 'zz', 'g'.repeat(24), '%E0%A4%A', '%F0%9F%98%80', '..', '%2e%2e', 'a'.repeat(300), ' ', '%00');
  const real: Record<string, fc.Arbitrary<string>> = {
    question_id: fc.oneof(fc.constant(w.questionId), hex24, hex24.map((h) => h.toUpperCase())),
    serv_id: fc.constantFrom(w.agent.servId, w.foreignAgent.servId, 'nobody'),
    user_id: fc.constantFrom(w.user.userId, w.agent.servId, 'nobody'),
    template_id: fc.oneof(fc.constant(w.templateId), hex24),
    kind: fc.constantFrom('image', 'audio', 'video'),
    file: fc.oneof(hex24.map((h) => `${h}.jpg`), fc.constant('x.jpg')),
    // Never a real session: a fuzzed DELETE must not log the test's own users out.
    session: fc.stringMatching(/^[A-Za-z0-9]{12}$/),
  };
  const encoded = (Object.hasOwn(real, name) ? real[name]! : fc.constant('x')).map(encodePart);
  return fc.oneof({ arbitrary: encoded, weight: 8 }, { arbitrary: junk, weight: 1 }, { arbitrary: weirdString.map(encodePart), weight: 1 });
}

/** The fuzzed-request arbitrary for one endpoint. */
export function fuzzRequest(endpoint: Endpoint, w: World): fc.Arbitrary<FuzzRequest> {
  const pathNames = [...endpoint.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const shapeKeys = Object.keys(endpoint.input?.shape ?? {}).filter((k) => !pathNames.includes(k));
  const isGet = endpoint.method !== 'post';
  const isAdmin = endpoint.caller === 'admin';
  const adminKey = (k: string) => (isAdmin && (k === 'serv_id' || k === 'user_id') ? `${k}_admin` : k);
  const keys = [...shapeKeys, 'session', ...oddKeys];
  // Built once per key (building arbitraries inside a chain is slow); huge values only in bodies.
  const entryFor = (k: string) => anyValue(adminKey(k), w, !isGet).map((v) => [k, v] as [string, unknown]);
  const entry = fc.oneof(
    { arbitrary: shapeKeys.length ? fc.oneof(...shapeKeys.map(entryFor)) : entryFor('session'), weight: 4 },
    { arbitrary: entryFor('session'), weight: 1 },
    { arbitrary: fc.oneof(...oddKeys.map(entryFor)), weight: 1 },
  );
  const base = fc.oneof(
    { arbitrary: fc.constant<Array<[string, unknown]>>([]), weight: 1 },
    { arbitrary: fc.tuple(...shapeKeys.map((k) => plausible(adminKey(k), w).map((v) => [k, v] as [string, unknown]))), weight: 3 },
  );
  return fc.record({
    path: fc.record(Object.fromEntries(pathNames.map((n) => [n, pathValue(n, w)]))) as fc.Arbitrary<Record<string, string>>,
    params: fc.tuple(base, fc.array(entry, { maxLength: 3 })).map(([b, extra]) => [...b, ...extra]),
    session: fc.constantFrom<SessionChoice>('user', 'user', 'agent', 'agent', 'agent', 'foreignAgent', 'none', 'malformed', 'unknown', 'array'),
    sessionPlace: isGet ? fc.constantFrom('header' as const, 'query' as const) : fc.constantFrom('param' as const, 'header' as const, 'query' as const),
    admin: isAdmin ? fc.constantFrom('token' as const, 'token' as const, 'wrong' as const, 'none' as const) : fc.constant('none' as const),
    encoding: isGet ? fc.constant('json' as const) : fc.constantFrom<Encoding>('json', 'json', 'json', 'form', 'form', 'form', 'rawJson', 'dupJson', 'textPlain', 'badCharset', 'gzipGarbage', 'manyParams'),
    raw: fc.constantFrom(...malformedJson),
    rawQuery: isGet ? fc.constantFrom('', '', '&num=%', '&page=%FF', '&sort=1&sort=-1', '&num', '&=x', '&identify=%ED%A0%80', '&a[b]=1') : fc.constant(''),
  });
}

/** encodeURIComponent that turns lone surrogates into invalid UTF-8 bytes instead of throwing. */
export function encodePart(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    out += code >= 0xd800 && code <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(ch);
  }
  return out;
}

// ---- model-based sequences ----

/** Agents 0–2 serve the users' app; agent 3 serves another app. */
export const AGENTS = 4;
export const USERS = 3;

/**
 * One step of a support conversation; `q` indexes the run's questions (-1: an unknown id);
 * agent / user -1 mean the question's serving agent / its asker, so that valid moves are common.
 */
export type Action =
  | { kind: 'ask'; user: number }
  | { kind: 'serve' | 'quit' | 'finish' | 'request_finish'; agent: number; q: number; asOther: boolean }
  | { kind: 'confirm_finish' | 'reopen' | 'send_user'; user: number; q: number; asOther: boolean }
  | { kind: 'send_agent'; agent: number; q: number }
  /** A private note (send_note) by an agent: any agent of the app, in any status. */
  | { kind: 'note'; agent: number; q: number }
  | { kind: 'bind' | 'unbind'; agent: number }
  /** The serving agent (or another) hands the question to agent `to` (any agent, itself included). */
  | { kind: 'transfer'; agent: number; to: number; q: number }
  /** The sweeper's timeout (action 5), run through the same domain command the sweeper uses. */
  | { kind: 'time_out'; q: number }
  /** An agent's presence: a socket connected and status online, status away, or its socket closed. */
  | { kind: 'presence'; agent: number; to: 'online' | 'away' | 'offline' };

const userIx = fc.integer({ min: 0, max: USERS - 1 });
/** -1 stands for "the question's serving agent" / "its asker", resolved when the step runs. */
const agentIx = fc.oneof({ arbitrary: fc.integer({ min: 0, max: AGENTS - 1 }), weight: 2 }, { arbitrary: fc.constant(-1), weight: 3 });
const actorUserIx = fc.oneof({ arbitrary: userIx, weight: 1 }, { arbitrary: fc.constant(-1), weight: 3 });
const questionIx = fc.oneof({ arbitrary: fc.nat({ max: 20 }), weight: 12 }, { arbitrary: fc.constant(-1), weight: 1 });
/** Mostly agents 1 and 2 (online in the conversation property), sometimes any agent. */
const transferTarget = fc.oneof({ arbitrary: fc.constantFrom(1, 2), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: AGENTS - 1 }), weight: 1 });
/** Rarely, act under another identity (serv_id of another agent, sender of another user). */
const asOther = fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 });

export const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('ask' as const), user: userIx }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('serve' as const), agent: agentIx, q: questionIx, asOther }), weight: 4 },
  {
    arbitrary: fc.record({ kind: fc.constantFrom('quit' as const, 'finish' as const, 'finish' as const, 'request_finish' as const, 'request_finish' as const), agent: agentIx, q: questionIx, asOther }),
    weight: 5,
  },
  {
    arbitrary: fc.record({ kind: fc.constantFrom('confirm_finish' as const, 'reopen' as const), user: actorUserIx, q: questionIx, asOther: fc.constant(false) }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('send_user' as const), user: actorUserIx, q: questionIx, asOther }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('send_agent' as const), agent: agentIx, q: questionIx }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('note' as const), agent: agentIx, q: questionIx }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constantFrom('bind' as const, 'unbind' as const), agent: fc.integer({ min: 0, max: AGENTS - 1 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('time_out' as const), q: questionIx }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('presence' as const), agent: fc.integer({ min: 0, max: AGENTS - 2 }), to: fc.constantFrom('online' as const, 'online' as const, 'away' as const, 'offline' as const) }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('transfer' as const), agent: agentIx, to: transferTarget, q: questionIx }), weight: 4 },
);
