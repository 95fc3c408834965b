/**
 * Test data builders that create whatever parents are missing (Outline's factories): a user
 * without an app gets a fresh app, an agent without apps serves a fresh one. Provisioning goes
 * through the same commands as the admin API; questions and bindings go over real HTTP.
 */
import assert from 'node:assert/strict';
import {
  agentUpserter,
  appCreator,
  itemCreator,
  sessionCreator,
  templateCreator,
  userUpserter,
} from '../../server/domain/commands/provisioning.js';
import type { RunningServer } from '../../server/server.js';
import { eventually } from './eventually.js';
import { client } from './http.js';
import { connectSocket, type TestSocket } from './sockets.js';

export interface TestUser {
  userId: string;
  session: string;
  identify: string;
  name: string;
}

export interface TestAgent {
  servId: string;
  password: string;
  /** A device session bound to this agent. */
  session: string;
  identifies: string[];
}

let sequence = 0;
const unique = (prefix: string) => `${prefix}${process.pid.toString(36)}${(++sequence).toString(36)}`;

export function factories(server: RunningServer) {
  const deps = server.deps;
  const api = client(server.url);

  const f = {
    api,
    async app(identify = `com.test.${unique('app')}`): Promise<string> {
      await appCreator(deps, { identify, name: identify });
      return identify;
    },

    async user(props: { identify?: string; userId?: string; name?: string; imageUrl?: string; deviceCount?: number; groupCount?: number } = {}): Promise<TestUser> {
      const identify = props.identify ?? (await f.app());
      const userId = props.userId ?? unique('u');
      const name = props.name ?? `User ${userId}`;
      await userUpserter(deps, {
        user_id: userId,
        name,
        image_url: props.imageUrl,
        device_count: props.deviceCount,
        group_count: props.groupCount,
      });
      const session = await sessionCreator(deps, { user_id: userId, identify });
      return { userId, session, identify, name };
    },

    /** Another device session of the same user (same app unless told). */
    async session(user: TestUser, identify = user.identify): Promise<string> {
      return sessionCreator(deps, { user_id: user.userId, identify });
    },

    async agent(props: { identifies?: string[]; servId?: string; password?: string; bind?: boolean; maxConcurrent?: number; role?: 'agent' | 'supervisor' } = {}): Promise<TestAgent> {
      const identifies = props.identifies ?? [await f.app()];
      const servId = props.servId ?? unique('s').slice(0, 20);
      const password = props.password ?? 'pw-' + servId.slice(0, 10);
      await agentUpserter(deps, { serv_id: servId, password, identifies, max_concurrent: props.maxConcurrent, role: props.role });
      const device = await f.user({ identify: identifies[0] });
      if (props.bind !== false) {
        const reply = await api.post('/v1/serv/bind', { session: device.session, serv_id: servId, password });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
      }
      return { servId, password, session: device.session, identifies };
    },

    async question(user: TestUser, props: { title?: string; label?: string[] } = {}): Promise<string> {
      const body: Record<string, string> = { session: user.session, title: props.title ?? 'Help please' };
      if (props.label) body.label = JSON.stringify(props.label);
      const reply = await api.post('/v1/question/new', body);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body.question_id as string;
    },

    async serve(questionId: string, agent: TestAgent): Promise<string> {
      const reply = await api.post(`/v1/question/${questionId}/serve`, { session: agent.session, serv_id: agent.servId });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body.message_id as string;
    },

    /**
     * Connects a socket of the agent's session and resolves once its presence is online (a reopen
     * goes back only to an online agent; auto-assign picks only online ones). Close it when done.
     */
    async online(agent: TestAgent): Promise<TestSocket> {
      const socket = await connectSocket(server.url, agent.session);
      await eventually(async () => (await deps.presence.presenceOf([agent.servId])).get(agent.servId) === 'online', `${agent.servId} online`);
      return socket;
    },

    /** A user, an agent of the user's app, and a question the agent serves. */
    async servedQuestion(): Promise<{ user: TestUser; agent: TestAgent; questionId: string }> {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const questionId = await f.question(user);
      await f.serve(questionId, agent);
      return { user, agent, questionId };
    },

    async sendText(questionId: string, as: TestUser | TestAgent, text: string, extra: Record<string, string> = {}) {
      const isAgent = 'servId' in as;
      return api.post(`/v1/question/${questionId}/message/send_text`, {
        session: as.session,
        sender: isAgent ? as.servId : as.userId,
        sender_type: isAgent ? 2 : 1,
        text,
        ...extra,
      });
    },

    /** A private note by `agent` (POST send_note); returns the raw reply. */
    async note(questionId: string, agent: TestAgent, text: string, extra: Record<string, string> = {}) {
      return api.post(`/v1/question/${questionId}/message/send_note`, { session: agent.session, sender: agent.servId, sender_type: 2, text, ...extra });
    },

    async template(identify: string, title = 'Greetings'): Promise<string> {
      return templateCreator(deps, { identify, title });
    },

    async item(templateId: string, question = 'Hi?', content = 'Hello!'): Promise<string> {
      return itemCreator(deps, { template_id: templateId, question, content });
    },
  };
  return f;
}

export type Factories = ReturnType<typeof factories>;
