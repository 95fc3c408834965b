/**
 * The CLI's webhook commands: the admin API's three (through its zod schemas and the same domain
 * commands), with the same SSRF checks. `webhook:add` prints the secret this once; `webhook:list`
 * never shows one (the store has none to show).
 */
import { adminWebhookDeleteInput, adminWebhookInput, adminWebhookListInput } from '../../shared/schemas/requests.js';
import { define, okJson, type Command } from './command.js';
import { table, utcTime } from './table.js';

/** The domain commands and the presenter, loaded when a command runs. */
const webhooks = () => import('../../server/domain/commands/webhooks.js');
const presenters = () => import('../../server/domain/presenters.js');

export const WEBHOOK_COMMANDS: Record<string, Command> = {
  'webhook:add': define({
    usage: '--identify <package> --url <http(s) URL> --events <event,event>',
    summary: 'add a webhook (events: question.created, question.updated, message.created, question.rated); prints its id and secret, shown this once',
    schema: adminWebhookInput,
    lists: ['events'],
    async run(ctx, input) {
      const created = await (await webhooks()).webhookCreator(await ctx.deps(), input);
      return { json: okJson(created), text: `webhook ${created.webhook_id}\nsecret ${created.secret}` };
    },
  }),
  'webhook:list': define({
    usage: '[--identify <package>]',
    summary: 'list webhooks with their state (active, failing, disabled) and last error; never a secret',
    schema: adminWebhookListInput,
    async run(ctx, input) {
      const { presentWebhook } = await presenters();
      const rows = (await (await webhooks()).webhookLister(await ctx.deps(), input)).map(presentWebhook);
      const cells = rows.map((w) => [w.webhook_id, w.identify, w.state, w.events.join(','), w.url, utcTime(w.created_at), w.last_error ?? '']);
      return { json: rows, text: table(['WEBHOOK_ID', 'IDENTIFY', 'STATE', 'EVENTS', 'URL', 'CREATED (UTC)', 'LAST ERROR'], cells, 'no webhooks') };
    },
  }),
  'webhook:delete': define({
    usage: '--webhook-id <id>',
    summary: 'remove a webhook with its pending deliveries',
    schema: adminWebhookDeleteInput,
    async run(ctx, input) {
      await (await webhooks()).webhookRemover(await ctx.deps(), input);
      return { json: okJson(), text: `webhook ${input.webhook_id} removed` };
    },
  }),
};
