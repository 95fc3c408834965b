/**
 * The CLI's writes: the admin API's operations (through its zod schemas and the same domain
 * commands, so the CLI can never create what the API would refuse), and the removals only an
 * operator makes (users, templates, a session by the short id of `session:list`).
 */
import { z } from 'zod';
import { ApiError } from '../../shared/errors.js';
import { sessionToken } from '../../shared/schemas/common.js';
import {
  adminAppDeleteInput,
  adminAppInput,
  adminItemInput,
  adminServDeleteInput,
  adminServInput,
  adminSessionInput,
  adminTemplateInput,
  adminUserInput,
  templateDeleteInput,
  userDeleteInput,
} from '../../shared/schemas/requests.js';
import { define, okJson, type Command } from './command.js';

/** The domain commands, loaded when a command runs (not for `help` or `watch`). */
const provisioning = () => import('../../server/domain/commands/provisioning.js');

/** `session:delete` names the session by its token, or by the short id `session:list` shows. */
const sessionDeleteFlags = z.object({
  session: sessionToken.optional(),
  id: z
    .string()
    .regex(/^[0-9a-f]{8,64}$/, { error: 'must be 8 to 64 lowercase hex characters (the id session:list shows)' })
    .optional(),
});

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export const PROVISIONING_COMMANDS: Record<string, Command> = {
  'app:add': define({
    usage: '--identify <package> [--name <name>] [--routing manual|auto]',
    summary: 'add an app (or rename it, or change its routing)',
    schema: adminAppInput,
    async run(ctx, input) {
      await (await provisioning()).appCreator(await ctx.deps(), input);
      return { json: okJson(), text: input.routing ? `app ${input.identify} (routing ${input.routing})` : `app ${input.identify}` };
    },
  }),
  'app:delete': define({
    usage: '--identify <package>',
    summary: 'remove an app with its sessions and templates (its questions stay)',
    schema: adminAppDeleteInput,
    async run(ctx, input) {
      await (await provisioning()).appRemover(await ctx.deps(), input);
      return { json: okJson(), text: `app ${input.identify} removed` };
    },
  }),
  'user:add': define({
    usage: '--user-id <id> --name <name> [--image-url <url>] [--device-count <n>] [--group-count <n>]',
    summary: 'add or update a user',
    schema: adminUserInput,
    async run(ctx, input) {
      await (await provisioning()).userUpserter(await ctx.deps(), input);
      return { json: okJson(), text: `user ${input.user_id}` };
    },
  }),
  'user:delete': define({
    usage: '--user-id <id>',
    summary: 'remove a user: its sessions in every app end, its open questions finish (action 4, sender system); its history stays',
    schema: userDeleteInput,
    async run(ctx, input) {
      const { sessions, finished } = await (await provisioning()).userRemover(await ctx.deps(), input);
      return {
        json: okJson({ sessions_deleted: sessions, questions_finished: finished }),
        text: `user ${input.user_id} removed (${plural(sessions, 'session')} ended, ${plural(finished, 'open question')} finished)`,
      };
    },
  }),
  'session:new': define({
    usage: '--user-id <id> --identify <package>',
    summary: 'create a device session for a user in an app; prints the session',
    schema: adminSessionInput,
    async run(ctx, input) {
      const session = await (await provisioning()).sessionCreator(await ctx.deps(), input);
      return { json: okJson({ session }), text: session };
    },
  }),
  'session:delete': define({
    usage: '--session <session> | --id <short id>',
    summary: 'end a device session, named by its token or by the id session:list shows; its sockets are disconnected on every node',
    schema: sessionDeleteFlags,
    async run(ctx, input) {
      if ((input.session === undefined) === (input.id === undefined)) {
        throw new ApiError('param_missing', 'give exactly one of --session and --id', { field: 'session' });
      }
      const commands = await provisioning();
      const deps = await ctx.deps();
      if (input.session !== undefined) await commands.sessionDeleter(deps, input.session);
      else await commands.sessionDeleterByDigest(deps, (await commands.sessionOfShortId(deps, input.id!)).digest, 'id');
      return { json: okJson(), text: 'session deleted' };
    },
  }),
  'agent:add': define({
    usage: '--serv-id <id> --password <password> --identifies <package,package> [--name <name>] [--max-concurrent <n>] [--role agent|supervisor]',
    summary:
      'add or update an agent (the password is stored hashed; --max-concurrent: questions it may serve at once, 0 = no limit; --role supervisor: also reads its apps\' conversations, reports and team)',
    schema: adminServInput,
    lists: ['identifies'],
    async run(ctx, input) {
      await (await provisioning()).agentUpserter(await ctx.deps(), input);
      const limit = input.max_concurrent ? `, at most ${input.max_concurrent} at once` : '';
      const role = input.role === 'supervisor' ? ' as a supervisor' : '';
      return { json: okJson(), text: `agent ${input.serv_id} serves ${[...new Set(input.identifies)].join(', ')}${limit}${role}` };
    },
  }),
  'agent:delete': define({
    usage: '--serv-id <id>',
    summary: 'remove an agent: its devices are unbound (plain user sessions again), its questions go back to the queue',
    schema: adminServDeleteInput,
    async run(ctx, input) {
      await (await provisioning()).agentRemover(await ctx.deps(), input);
      return { json: okJson(), text: `agent ${input.serv_id} removed` };
    },
  }),
  'template:add': define({
    usage: '--identify <package> --title <title>',
    summary: 'add a quick-answer template; prints its template_id',
    schema: adminTemplateInput,
    async run(ctx, input) {
      const templateId = await (await provisioning()).templateCreator(await ctx.deps(), input);
      return { json: okJson({ template_id: templateId }), text: templateId };
    },
  }),
  'template:delete': define({
    usage: '--template-id <id>',
    summary: 'remove a quick-answer template with its items',
    schema: templateDeleteInput,
    async run(ctx, input) {
      await (await provisioning()).templateRemover(await ctx.deps(), input);
      return { json: okJson(), text: `template ${input.template_id} removed` };
    },
  }),
  'item:add': define({
    usage: '--template-id <id> --question <text> --content <text>',
    summary: 'add an item to a template; prints its item_id',
    schema: adminItemInput,
    async run(ctx, input) {
      const itemId = await (await provisioning()).itemCreator(await ctx.deps(), input);
      return { json: okJson({ item_id: itemId }), text: itemId };
    },
  }),
};
