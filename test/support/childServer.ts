/**
 * Driving a kefu node that runs in its own process (spawnNode in nodes.ts starts and kills it):
 * provisioning through the admin API, since the test process holds none of its store; reading a
 * question's whole history; and the process's memory as the kernel reports it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { client, type Client } from './http.js';
import { spawnNode, type ChildNode } from './nodes.js';
import { ADMIN_TOKEN } from './server.js';

export { spawnNode, type ChildNode };

/**
 * Resolves once a node started with KEFU_TEST_HOLD_AFTER_COMMIT prints that it holds: the write
 * committed and the process blocks there, ready to be killed.
 */
export function untilHeld(node: ChildNode): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    node.process.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('kefu-test-hold')) resolve();
    });
  });
}

/** One device session of a user or of an agent, with what send_* must name as its sender. */
export interface Device {
  session: string;
  sender: string;
  senderType: 1 | 2;
}

export interface ServedQuestion {
  questionId: string;
  identify: string;
  /** `userDevices` sessions of the asking user. */
  users: Device[];
  /** The serving agent's bound session. */
  agent: Device;
}

let sequence = 0;
const unique = (prefix: string) => `${prefix}${process.pid.toString(36)}x${(++sequence).toString(36)}`;

async function admin(api: Client, path: string, body: unknown): Promise<any> {
  const reply = await api.post(path, body, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(reply.status, 200, `${path}: ${reply.text}`);
  return reply.body;
}

async function ok(promise: ReturnType<Client['post']>): Promise<any> {
  const reply = await promise;
  assert.equal(reply.status, 200, reply.text);
  return reply.body;
}

/** A fresh app, a user with `userDevices` sessions, a bound agent, and a question it serves. */
export async function provisionServedQuestion(baseUrl: string, userDevices = 1): Promise<ServedQuestion> {
  const api = client(baseUrl);
  const identify = `com.faults.${unique('a')}`;
  await admin(api, '/v1/admin/apps', { identify, name: identify });
  const userId = unique('u');
  await admin(api, '/v1/admin/users', { user_id: userId, name: 'Drill user' });
  const users: Device[] = [];
  for (let i = 0; i < userDevices; i++) {
    const { session } = await admin(api, '/v1/admin/sessions', { user_id: userId, identify });
    users.push({ session, sender: userId, senderType: 1 });
  }
  const servId = unique('s').slice(0, 20);
  const password = 'pw-drill';
  await admin(api, '/v1/admin/servs', { serv_id: servId, password, identifies: [identify] });
  const deviceOwner = unique('d');
  await admin(api, '/v1/admin/users', { user_id: deviceOwner, name: 'Agent device' });
  const { session: agentSession } = await admin(api, '/v1/admin/sessions', { user_id: deviceOwner, identify });
  await ok(api.post('/v1/serv/bind', { session: agentSession, serv_id: servId, password }));
  const { question_id: questionId } = await ok(api.post('/v1/question/new', { session: users[0]!.session, title: 'Drill' }));
  await ok(api.post(`/v1/question/${questionId}/serve`, { session: agentSession, serv_id: servId }));
  return { questionId, identify, users, agent: { session: agentSession, sender: servId, senderType: 2 } };
}

/** Every message of a question, oldest first, walked with the message_id cursor. */
export async function allMessages(baseUrl: string, questionId: string, session: string): Promise<any[]> {
  const api = client(baseUrl);
  const messages: any[] = [];
  for (;;) {
    const cursor = messages.length ? { message_id: messages[messages.length - 1].message_id } : {};
    const reply = await api.get(`/v1/question/${questionId}/message`, { sort: 1, num: 50, ...cursor }, { session });
    assert.equal(reply.status, 200, reply.text);
    messages.push(...reply.body.messages);
    if (reply.body.messages.length < 50) return messages;
  }
}

/** Resident memory now and at its peak (VmRSS, VmHWM from /proc/<pid>/status), in MiB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

/** Resets the process's VmHWM to its current RSS (Linux clear_refs); false where not permitted. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

