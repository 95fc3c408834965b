/**
 * The CLI's lists: apps, users, sessions, agents and templates, read a page at a time in key order
 * (every list is served by a primary index). `--json` prints one JSON array; otherwise an aligned
 * table. Sessions show a short id (the first characters of the stored digest), never a token: the
 * store has none to show.
 */
import { z } from 'zod';
import { SHORT_ID_LENGTH } from '../../server/domain/sessionTokens.js';
import type { KeyPage } from '../../server/stores/types.js';
import { define, type CliContext, type Command, type Output } from './command.js';
import { table, utcTime } from './table.js';

/** Rows per store read; a list reads until a page comes back short. */
const PAGE_SIZE = 500;

async function readAll<T>(read: (page: KeyPage) => Promise<T[]>, keyOf: (row: T) => string): Promise<T[]> {
  const rows: T[] = [];
  for (let after: string | undefined; ; ) {
    const page = await read({ num: PAGE_SIZE, after });
    rows.push(...page);
    if (page.length < PAGE_SIZE) return rows;
    after = keyOf(page.at(-1)!);
  }
}

/** A list command: read every row, present each for `--json` and as a table row. */
function list<T, J extends Record<string, unknown>>(spec: {
  what: string;
  summary: string;
  read: (ctx: CliContext) => Promise<T[]>;
  json: (row: T) => J;
  headers: string[];
  cells: (row: J) => string[];
}): Command {
  return define({
    usage: '',
    summary: spec.summary,
    schema: z.object({}),
    async run(ctx): Promise<Output> {
      const rows = (await spec.read(ctx)).map(spec.json);
      return { json: rows, text: table(spec.headers, rows.map(spec.cells), `no ${spec.what}`) };
    },
  });
}

export const LIST_COMMANDS: Record<string, Command> = {
  'app:list': list({
    what: 'apps',
    summary: 'list the apps',
    read: async (ctx) => {
      const { accounts } = (await ctx.deps()).store;
      return readAll((page) => accounts.listApps(page), (app) => app.identify);
    },
    json: (app) => ({ identify: app.identify, name: app.name, routing: app.routing, created_at: app.createdAt }),
    headers: ['IDENTIFY', 'NAME', 'ROUTING', 'CREATED (UTC)'],
    cells: (app) => [app.identify, app.name, app.routing, utcTime(app.created_at)],
  }),
  'user:list': list({
    what: 'users',
    summary: 'list the users',
    read: async (ctx) => {
      const { accounts } = (await ctx.deps()).store;
      return readAll((page) => accounts.listUsers(page), (user) => user.userId);
    },
    json: (user) => ({
      user_id: user.userId,
      name: user.name,
      image_url: user.imageUrl,
      device_count: user.deviceCount,
      group_count: user.groupCount,
    }),
    headers: ['USER_ID', 'NAME', 'DEVICES', 'GROUPS', 'IMAGE_URL'],
    cells: (user) => [user.user_id, user.name, String(user.device_count), String(user.group_count), user.image_url],
  }),
  'session:list': list({
    what: 'sessions',
    summary: 'list the device sessions (never their tokens): short id, kind, user, bound agent, app, created, last used',
    read: async (ctx) => {
      const { accounts } = (await ctx.deps()).store;
      return readAll((page) => accounts.listSessions(page), (session) => session.digest);
    },
    json: (session) => ({
      id: session.digest.slice(0, SHORT_ID_LENGTH),
      // The digest is what push notifications name a device by (`device`); the token is nowhere.
      digest: session.digest,
      kind: session.kind,
      user_id: session.userId,
      serv_id: session.servId,
      identify: session.identify,
      created_at: session.createdAt,
      last_used_at: session.lastUsedAt,
    }),
    headers: ['ID', 'KIND', 'USER_ID', 'SERV_ID', 'IDENTIFY', 'CREATED (UTC)', 'LAST USED (UTC)'],
    cells: (s) => [s.id, s.kind, s.user_id, s.serv_id ?? '-', s.identify, utcTime(s.created_at), utcTime(s.last_used_at)],
  }),
  'agent:list': list({
    what: 'agents',
    summary: 'list the agents and the apps each serves',
    read: async (ctx) => {
      const { accounts } = (await ctx.deps()).store;
      return readAll((page) => accounts.listAgents(page), (agent) => agent.servId);
    },
    json: (agent) => ({ serv_id: agent.servId, name: agent.name, identifies: agent.identifies, role: agent.role ?? 'agent' }),
    headers: ['SERV_ID', 'NAME', 'ROLE', 'IDENTIFIES'],
    cells: (agent) => [agent.serv_id, agent.name, agent.role, agent.identifies.join(',')],
  }),
  'template:list': list({
    what: 'templates',
    summary: "list every app's quick-answer templates",
    read: async (ctx) => {
      const { templates } = (await ctx.deps()).store;
      return readAll((page) => templates.listAllTemplates(page), (template) => template.id);
    },
    json: (template) => ({ template_id: template.id, identify: template.identify, title: template.title, created_at: template.createdAt }),
    headers: ['TEMPLATE_ID', 'IDENTIFY', 'TITLE', 'CREATED (UTC)'],
    cells: (t) => [t.template_id, t.identify, t.title, utcTime(t.created_at)],
  }),
};
