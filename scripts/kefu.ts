/**
 * The provisioning CLI: `npm run -s kefu -- <command> [--flags]` on the configured store (the same
 * DATA_DIR / MONGODB_URI the server reads). Flags go through the admin API's zod schemas and the
 * same provisioning commands, so the CLI can never create what the admin API would refuse.
 * It may run beside a live server on the same DATA_DIR: SQLite in WAL mode lets both write.
 *
 * Success prints a short result on stdout (`--json`: the admin API's JSON reply); a failure prints
 * one line on stderr and exits 1.
 */
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ApiError } from '../shared/errors.js';
import {
  adminAppDeleteInput,
  adminAppInput,
  adminItemInput,
  adminServDeleteInput,
  adminServInput,
  adminSessionDeleteInput,
  adminSessionInput,
  adminTemplateInput,
  adminUserInput,
} from '../shared/schemas/requests.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { systemClock, type Deps } from '../server/deps.js';
import {
  agentRemover,
  agentUpserter,
  appCreator,
  appRemover,
  itemCreator,
  sessionCreator,
  sessionDeleter,
  templateCreator,
  userUpserter,
} from '../server/domain/commands/provisioning.js';
import { localPresence } from '../server/realtime/agentPresence.js';
import { DomainEvents } from '../server/domain/events.js';
import { parseInput } from '../server/input.js';
import { createLogger } from '../server/logger.js';
import { openStore } from '../server/stores/index.js';

/** Deps for a one-shot script: the configured store, silent logs, no listeners on events. */
export async function openDeps(env: NodeJS.ProcessEnv = process.env): Promise<Deps> {
  const config = loadConfig(env);
  const store = await openStore(config);
  // The CLI holds no sockets, so to it every agent is offline.
  return { config, store, events: new DomainEvents(), logger: createLogger('silent'), now: systemClock, presence: localPresence() };
}

type Flags = Record<string, string | true>;

interface Command<S extends z.ZodType = z.ZodType> {
  usage: string;
  summary: string;
  schema: S;
  /** Flags whose value is a comma-separated list. */
  lists?: string[];
  /** Does the work; returns the admin API's reply fields and the one-line human result. */
  run(deps: Deps, input: z.output<S>): Promise<{ reply: Record<string, unknown>; text: string }>;
}

const define = <S extends z.ZodType>(command: Command<S>) => command as unknown as Command;

export const COMMANDS: Record<string, Command> = {
  'app:add': define({
    usage: '--identify <package> [--name <name>]',
    summary: 'add an app (or rename it)',
    schema: adminAppInput,
    async run(deps, input) {
      await appCreator(deps, input);
      return { reply: {}, text: `app ${input.identify}` };
    },
  }),
  'user:add': define({
    usage: '--user-id <id> --name <name> [--image-url <url>] [--device-count <n>] [--group-count <n>]',
    summary: 'add or update a user',
    schema: adminUserInput,
    async run(deps, input) {
      await userUpserter(deps, input);
      return { reply: {}, text: `user ${input.user_id}` };
    },
  }),
  'session:new': define({
    usage: '--user-id <id> --identify <package>',
    summary: "create a device session for a user in an app; prints the session",
    schema: adminSessionInput,
    async run(deps, input) {
      const session = await sessionCreator(deps, input);
      return { reply: { session }, text: session };
    },
  }),
  'session:delete': define({
    usage: '--session <session>',
    summary: 'end a device session; its sockets are disconnected on every node',
    schema: adminSessionDeleteInput,
    async run(deps, input) {
      await sessionDeleter(deps, input.session);
      return { reply: {}, text: 'session deleted' };
    },
  }),
  'agent:add': define({
    usage: '--serv-id <id> --password <password> --identifies <package,package> [--name <name>] [--max-concurrent <n>]',
    summary: 'add or update an agent (the password is stored hashed; --max-concurrent: questions it may serve at once, 0 = no limit)',
    schema: adminServInput,
    lists: ['identifies'],
    async run(deps, input) {
      await agentUpserter(deps, input);
      const limit = input.max_concurrent ? `, at most ${input.max_concurrent} at once` : '';
      return { reply: {}, text: `agent ${input.serv_id} serves ${[...new Set(input.identifies)].join(', ')}${limit}` };
    },
  }),
  'agent:delete': define({
    usage: '--serv-id <id>',
    summary: 'remove an agent: its devices are unbound (plain user sessions again), its questions go back to the queue',
    schema: adminServDeleteInput,
    async run(deps, input) {
      await agentRemover(deps, input);
      return { reply: {}, text: `agent ${input.serv_id} removed` };
    },
  }),
  'app:delete': define({
    usage: '--identify <package>',
    summary: "remove an app with its sessions and templates (its questions stay)",
    schema: adminAppDeleteInput,
    async run(deps, input) {
      await appRemover(deps, input);
      return { reply: {}, text: `app ${input.identify} removed` };
    },
  }),
  'template:add': define({
    usage: '--identify <package> --title <title>',
    summary: 'add a quick-answer template; prints its template_id',
    schema: adminTemplateInput,
    async run(deps, input) {
      const templateId = await templateCreator(deps, input);
      return { reply: { template_id: templateId }, text: templateId };
    },
  }),
  'item:add': define({
    usage: '--template-id <id> --question <text> --content <text>',
    summary: 'add an item to a template; prints its item_id',
    schema: adminItemInput,
    async run(deps, input) {
      const itemId = await itemCreator(deps, input);
      return { reply: { item_id: itemId }, text: itemId };
    },
  }),
};

export function helpText(): string {
  const lines = [
    'usage: npm run -s kefu -- <command> [--flags] [--json]',
    '',
    'Provisions the store the server uses (DATA_DIR, or MONGODB_URI when set).',
    '',
    'commands:',
  ];
  for (const [name, command] of Object.entries(COMMANDS)) {
    lines.push(`  ${name} ${command.usage}`, `      ${command.summary}`);
  }
  lines.push('  help', '      show this text', '', '--json prints the reply as JSON; errors go to stderr with exit code 1.');
  return lines.join('\n');
}

/** `--user-id x`, `--user-id=x`, bare `--json`; anything else is a usage error. */
export function parseArgs(argv: string[]): { command: string | undefined; flags: Flags } {
  const flags: Flags = {};
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      if (command !== undefined) throw new UsageError(`unexpected argument "${arg}"`);
      command = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!name) throw new UsageError(`bad flag "${arg}"`);
    if (name in flags) throw new UsageError(`--${name} given twice`);
    if (eq !== -1) flags[name] = arg.slice(eq + 1);
    else if (name === 'json' || name === 'help') flags[name] = true;
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags[name] = argv[++i]!;
    else throw new UsageError(`--${name} needs a value`);
  }
  return { command, flags };
}

export class UsageError extends Error {}

const toField = (flag: string) => flag.replace(/-/g, '_');
const toFlag = (field: string) => `--${field.replace(/_/g, '-')}`;

/** Flags → the schema's input, checked exactly as the admin API checks its body. */
function inputOf(command: Command, flags: Flags): unknown {
  const shape = (command.schema as unknown as { shape: Record<string, unknown> }).shape;
  const raw: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(flags)) {
    if (flag === 'json') continue;
    const field = toField(flag);
    if (!(field in shape)) throw new UsageError(`unknown flag --${flag}`);
    if (value === true) throw new UsageError(`--${flag} needs a value`);
    raw[field] = command.lists?.includes(field) ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
  }
  try {
    return parseInput(command.schema, raw);
  } catch (error) {
    // The API names the parameter; a CLI user typed a flag, so name that instead.
    if (error instanceof ApiError && error.field) {
      const message = error.message.startsWith(error.field) ? error.message.slice(error.field.length) : ` ${error.message}`;
      throw new ApiError(error.code, `${toFlag(error.field)}${message}`, { field: error.field });
    }
    throw error;
  }
}

/** Runs one command line; returns the exit code. Output goes through the given writers (tests). */
export async function main(
  argv: string[],
  out: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  err: (line: string) => void = (line) => process.stderr.write(line + '\n'),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const json = argv.includes('--json');
  const fail = (code: string, message: string) => {
    err(json ? JSON.stringify({ status: 300, error: code, debug: message }) : `kefu: ${message}`);
    return 1;
  };
  let deps: Deps | undefined;
  try {
    const { command: name, flags } = parseArgs(argv);
    if (name === 'help' || flags.help) {
      out(helpText());
      return 0;
    }
    if (name === undefined) throw new UsageError('no command given (try: npm run -s kefu -- help)');
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}" (try: npm run -s kefu -- help)`);
    const input = inputOf(command, flags);
    deps = await openDeps(env);
    const { reply, text } = await command.run(deps, input);
    out(json ? JSON.stringify({ status: 200, ...reply }) : text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return fail('param_invalid', error.message);
    if (error instanceof ConfigError) return fail('internal', `invalid configuration: ${error.message}`);
    if (error instanceof ApiError) {
      if (json) {
        err(JSON.stringify(error.toBody()));
        return 1;
      }
      return fail(error.code, `${error.code}: ${error.message}`);
    }
    const message = error instanceof Error ? error.message : String(error);
    return fail('internal', `internal error: ${message.split('\n')[0]}`);
  } finally {
    await deps?.store.close().catch(() => undefined);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
