/**
 * The operator's CLI: `npm run -s kefu -- <command> [--flags]` (or `node bin/kefu.js …`, which runs
 * the prebuilt dist/scripts/kefu.js when it is current) on the configured store, the same
 * DATA_DIR / MONGODB_URI the server reads. Flags go through the admin API's zod schemas and the
 * same domain commands, so the CLI can never create what the admin API would refuse. It may run
 * beside a live server on the same DATA_DIR: SQLite in WAL mode lets both write, and the server
 * applies what the CLI changed to its live sockets from the store's change feed.
 *
 * Success prints a short result on stdout (`--json`: the admin API's JSON reply, or a JSON array
 * for lists); a failure prints one line on stderr and exits 1. Modules are loaded by the command
 * that needs them (the store by store commands, socket.io-client by watch), so `help` starts fast.
 */
import { pathToFileURL } from 'node:url';
import { ApiError } from '../shared/errors.js';
import { ConfigError, loadConfig } from '../server/config.js';
import type { Deps } from '../server/deps.js';
import { parseInput } from '../server/input.js';
import { CliFailure, UsageError, type Command } from './cli/command.js';
import { LIST_COMMANDS } from './cli/lists.js';
import { PROVISIONING_COMMANDS } from './cli/provisioning.js';
import { WATCH_COMMANDS } from './cli/watch.js';
import { WEBHOOK_COMMANDS } from './cli/webhooks.js';

export { UsageError };

/**
 * Deps for a one-shot script: the configured store, silent logs, no listeners on events, and no
 * actor cache (the script tails no change feed that could empty one).
 */
export async function openDeps(env: NodeJS.ProcessEnv = process.env): Promise<Deps> {
  const config = loadConfig(env);
  const [{ openStore }, { DomainEvents }, { createLogger }, { systemClock }, { ActorCache }, { localPresence }] = await Promise.all([
    import('../server/stores/index.js'),
    import('../server/domain/events.js'),
    import('../server/logger.js'),
    import('../server/deps.js'),
    import('../server/domain/actorCache.js'),
    import('../server/realtime/agentPresence.js'),
  ]);
  const store = await openStore(config);
  const actors = new ActorCache({ maxEntries: 0 });
  // The CLI holds no sockets, so to it every agent is offline.
  return { config, store, events: new DomainEvents(), logger: createLogger('silent'), actors, now: systemClock, presence: localPresence() };
}

type Flags = Record<string, string | true>;

/** Every command, grouped by subject in `help`: add, delete, list for each, then watch. */
export const COMMANDS: Record<string, Command> = Object.fromEntries(
  Object.entries({ ...PROVISIONING_COMMANDS, ...LIST_COMMANDS, ...WEBHOOK_COMMANDS, ...WATCH_COMMANDS }).sort(([a], [b]) => subjectOrder(a) - subjectOrder(b) || verbOrder(a) - verbOrder(b)),
);

function subjectOrder(name: string): number {
  const order = ['app', 'user', 'session', 'agent', 'template', 'item', 'webhook', 'watch'];
  return order.indexOf(name.split(':')[0]!);
}

function verbOrder(name: string): number {
  return ['add', 'new', 'list', 'delete'].indexOf(name.split(':')[1] ?? '');
}

export function helpText(): string {
  const lines = [
    'usage: npm run -s kefu -- <command> [--flags] [--json]      (faster: node bin/kefu.js <command> …)',
    '',
    'Provisions the store the server uses (DATA_DIR, or MONGODB_URI when set); watch follows a running server.',
    '',
    'commands:',
  ];
  for (const [name, command] of Object.entries(COMMANDS)) {
    lines.push(`  ${name}${command.usage ? ` ${command.usage}` : ''}`, `      ${command.summary}`);
  }
  lines.push(
    '  help',
    '      show this text',
    '',
    '--json prints the reply as JSON (lists: one JSON array; watch: JSON lines); errors go to stderr with exit code 1.',
  );
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
  signal?: AbortSignal,
): Promise<number> {
  const json = argv.includes('--json');
  const fail = (code: string, message: string) => {
    err(json ? JSON.stringify({ status: 300, error: code, debug: message }) : `kefu: ${message}`);
    return 1;
  };
  let opened: Promise<Deps> | undefined;
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
    const output = await command.run({ deps: () => (opened ??= openDeps(env)), env, out, err, json, signal }, input);
    if (output) out(json ? JSON.stringify(output.json) : output.text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return fail('param_invalid', error.message);
    if (error instanceof ConfigError) return fail('internal', `invalid configuration: ${error.message}`);
    if (error instanceof CliFailure) return fail('internal', error.message);
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
    const deps = await opened?.catch(() => undefined);
    await deps?.store.close().catch(() => undefined);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
