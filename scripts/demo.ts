/**
 * `npm run demo`: seeds a demo shop on the configured store and prints everything a newcomer needs
 * to try kefu: a chat page link per user and the desk's address with the agents' credentials (the
 * browser way), then user sessions, bound agent sessions, a quick-answer template and
 * ready-to-paste curl commands for every endpoint.
 *
 * Running it twice is fine: the app, users and agents are upserted, the template is reused, and
 * each run prints fresh sessions. Agent passwords are random per run (never a known default, in
 * case this runs against a real store); the previous run's bound sessions stay bound.
 *
 * Flags: `--env` prints only `export` lines (for `eval "$(npm run -s demo -- --env)"`), `--json`
 * prints the seed as JSON.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Deps } from '../server/deps.js';
import {
  agentUpserter,
  appCreator,
  itemCreator,
  sessionCreator,
  templateCreator,
  userUpserter,
} from '../server/domain/commands/provisioning.js';
import { servBinder } from '../server/domain/commands/servBinder.js';
import { openDeps } from './kefu.js';
import { sessionDigest } from '../server/domain/sessionTokens.js';

export const DEMO_APP = 'com.example.shop';

const USERS = [
  { user_id: 'u1001', name: 'Ada Lovelace', device_count: 2, group_count: 5 },
  { user_id: 'u1002', name: 'Grace Hopper', device_count: 1, group_count: 3 },
];
const AGENTS = [
  { serv_id: 'mei', name: 'Mei (support)' },
  { serv_id: 'tom', name: 'Tom (support)' },
];
const TEMPLATE = {
  title: 'Orders and shipping',
  items: [
    { question: 'Where is my order?', content: 'You can follow it under Me → Orders → Track. It usually ships within 24 hours.' },
    { question: 'How do I return an item?', content: 'Open the order, tap "Return", and drop the parcel at any pickup point within 30 days.' },
    { question: 'Can I change the delivery address?', content: 'Yes, until the order ships: Me → Orders → Change address.' },
  ],
};

export interface DemoSeed {
  identify: string;
  /** chat_url: the customer page, signed in through the URL fragment (never sent to the server). */
  users: Array<{ user_id: string; name: string; session: string; chat_url: string }>;
  agents: Array<{ serv_id: string; password: string; session: string }>;
  template_id: string;
  base_url: string;
  desk_url: string;
}

/** The chat page signed in as this user: the session rides in the fragment, out of every log. */
export const chatLink = (baseUrl: string, user: { user_id: string; session: string }) =>
  `${baseUrl}/chat#session=${encodeURIComponent(user.session)}&user_id=${encodeURIComponent(user.user_id)}`;

/** Seeds the demo data through the provisioning commands; returns what was created. */
export async function seedDemo(deps: Deps): Promise<DemoSeed> {
  await appCreator(deps, { identify: DEMO_APP, name: 'Example Shop' });
  const baseUrl = deps.config.publicUrl ?? `http://localhost:${deps.config.port}`;
  const users = [];
  for (const user of USERS) {
    await userUpserter(deps, user);
    const session = await sessionCreator(deps, { user_id: user.user_id, identify: DEMO_APP });
    users.push({ user_id: user.user_id, name: user.name, session, chat_url: chatLink(baseUrl, { user_id: user.user_id, session }) });
  }
  const agents = [];
  for (const agent of AGENTS) {
    const password = randomBytes(6).toString('base64url');
    await agentUpserter(deps, { ...agent, password, identifies: [DEMO_APP] });
    // An agent works from a device session of the app, logged in with /serv/bind; the demo does
    // that login here (same command as the route) so the printed agent session works at once.
    const deviceUser = `desk-${agent.serv_id}`;
    await userUpserter(deps, { user_id: deviceUser, name: `${agent.name} desk` });
    const session = await sessionCreator(deps, { user_id: deviceUser, identify: DEMO_APP });
    const record = await deps.store.accounts.getSession(sessionDigest(session));
    await servBinder(deps, { session: record!, servId: agent.serv_id, password });
    agents.push({ serv_id: agent.serv_id, password, session });
  }
  const existing = (await deps.store.templates.listTemplates([DEMO_APP])).find((t) => t.title === TEMPLATE.title);
  let templateId = existing?.id;
  if (!templateId) {
    templateId = await templateCreator(deps, { identify: DEMO_APP, title: TEMPLATE.title });
    for (const item of TEMPLATE.items) await itemCreator(deps, { template_id: templateId, ...item });
  }
  return { identify: DEMO_APP, users, agents, template_id: templateId, base_url: baseUrl, desk_url: `${baseUrl}/desk` };
}

/** Shell variables the curl commands use. */
export function envLines(seed: DemoSeed): string[] {
  const [ada, grace] = seed.users;
  const [mei, tom] = seed.agents;
  return [
    `export KEFU=${seed.base_url}/v1`,
    `export USER_ID=${ada!.user_id} USER_SESSION=${ada!.session}`,
    `export USER2_ID=${grace!.user_id} USER2_SESSION=${grace!.session}`,
    `export SERV_ID=${mei!.serv_id} SERV_PASSWORD=${mei!.password} AGENT_SESSION=${mei!.session}`,
    `export SERV2_ID=${tom!.serv_id} SERV2_PASSWORD=${tom!.password} AGENT2_SESSION=${tom!.session}`,
    `export TEMPLATE_ID=${seed.template_id}`,
  ];
}

/** The walk-through, one endpoint per line; `$Q` is captured from the first command. */
export function curlLines(): string[] {
  const json = (expr: string) => `node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).${expr}'`;
  return [
    '# a user asks (the session may also go in an X-Session header or a ?session= query param)',
    `Q=$(curl -s $KEFU/question/new -d session=$USER_SESSION -d title="Where is my parcel?" --data-urlencode 'label=["shipping"]' | ${json('question_id')}); echo $Q`,
    '# the agent looks at the queue, takes the question and sees who asked',
    `curl -s "$KEFU/question/list?label=shipping" -H "X-Session: $AGENT_SESSION"`,
    `curl -s $KEFU/question/$Q/serve -d session=$AGENT_SESSION -d serv_id=$SERV_ID`,
    `curl -s "$KEFU/user?question_id=$Q" -H "X-Session: $AGENT_SESSION"`,
    '# they chat',
    `curl -s $KEFU/question/$Q/message/send_text -d session=$USER_SESSION -d sender=$USER_ID -d sender_type=1 -d text="Order 42 has not arrived"`,
    `curl -s $KEFU/question/$Q/message/send_text -d session=$AGENT_SESSION -d sender=$SERV_ID -d sender_type=2 -d text="Let me check"`,
    `curl -s "$KEFU/question/$Q/message?sort=1" -H "X-Session: $USER_SESSION"`,
    `curl -s $KEFU/answer/templates -H "X-Session: $AGENT_SESSION"`,
    `curl -s $KEFU/answer/template/$TEMPLATE_ID -H "X-Session: $AGENT_SESSION"`,
    '# an image while the question is open, its base64 read from a file (a photo would overflow an argument)',
    `IMG=$(mktemp); base64 < docs/images/chat.png | tr -d '\\n' > "$IMG"`,
    `curl -s $KEFU/question/$Q/message/send_image -d session=$USER_SESSION -d sender=$USER_ID -d sender_type=1 --data-urlencode image@"$IMG"`,
    '# the agent finishes it; the user reopens it and it goes back to the same agent',
    `curl -s $KEFU/question/$Q/finish -d session=$AGENT_SESSION -d serv_id=$SERV_ID`,
    `curl -s $KEFU/question/$Q/reopen -d session=$USER_SESSION`,
    `curl -s $KEFU/serv/$SERV_ID/tasks -H "X-Session: $AGENT_SESSION"`,
    '# closing politely: the agent asks, the user confirms (unanswered, it closes by itself)',
    `curl -s $KEFU/question/$Q/request_finish -d session=$AGENT_SESSION -d serv_id=$SERV_ID`,
    `curl -s $KEFU/question/$Q/confirm_finish -d session=$USER_SESSION`,
    '# the user\'s own lists',
    `curl -s $KEFU/user/$USER_ID/alls -H "X-Session: $USER_SESSION"`,
    `curl -s $KEFU/user/$USER_ID/overs -H "X-Session: $USER_SESSION"`,
    '# an agent logs out of its device session and in again',
    `curl -s $KEFU/serv/unbind -d session=$AGENT2_SESSION -d serv_id=$SERV2_ID -d password=$SERV2_PASSWORD`,
    `curl -s $KEFU/serv/bind -d session=$AGENT2_SESSION -d serv_id=$SERV2_ID -d password=$SERV2_PASSWORD`,
  ];
}

function human(seed: DemoSeed, dataDescription: string): string {
  const lines = [`kefu demo seeded in ${dataDescription}`, '', `app       ${seed.identify} (Example Shop)`];
  for (const user of seed.users) lines.push(`user      ${user.user_id.padEnd(6)} ${user.name.padEnd(13)} session ${user.session}`);
  for (const agent of seed.agents) {
    lines.push(`agent     ${agent.serv_id.padEnd(6)} password ${agent.password}  bound session ${agent.session}`);
  }
  lines.push(`template  ${seed.template_id} (${TEMPLATE.title}, ${TEMPLATE.items.length} items)`, '');
  lines.push('In a browser (start the server first: npm start):', '');
  lines.push(`  agent desk   ${seed.desk_url}`);
  for (const agent of seed.agents) lines.push(`               sign in as ${agent.serv_id} / ${agent.password}`);
  for (const user of seed.users) lines.push(`  chat as ${user.name.split(' ')[0]!.padEnd(5)} ${user.chat_url}`);
  lines.push('', 'With curl, paste:', '', ...envLines(seed), '', ...curlLines());
  return lines.join('\n');
}

async function run(argv: string[]): Promise<number> {
  let deps: Deps | undefined;
  try {
    deps = await openDeps();
    const seed = await seedDemo(deps);
    const where = deps.config.mongodbUri ? 'MongoDB (MONGODB_URI)' : deps.config.dataDir;
    if (argv.includes('--json')) process.stdout.write(JSON.stringify(seed) + '\n');
    else if (argv.includes('--env')) process.stdout.write(envLines(seed).join('\n') + '\n');
    else process.stdout.write(human(seed, where) + '\n');
    return 0;
  } catch (error) {
    process.stderr.write(`kefu demo: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    return 1;
  } finally {
    await deps?.store.close().catch(() => undefined);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await run(process.argv.slice(2));
}
