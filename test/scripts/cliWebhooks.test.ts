/**
 * The CLI's webhook commands, run in this process on a test server's DATA_DIR (as a CLI beside a
 * node): a webhook added by the CLI is called by the node, signed with the secret the CLI printed
 * (both derive it from the same key); lists never show a secret; refusals name the flag.
 */
import assert from 'node:assert/strict';
import { main } from '../../scripts/kefu.js';
import { eventually } from '../support/eventually.js';
import { useTestServer } from '../support/server.js';
import { startReceiver, type Receiver } from '../jobs/support.js';
import { verifySignature, WEBHOOK_ENV } from '../jobs/webhookSupport.js';

describe('kefu CLI: webhooks', function () {
  this.timeout(30_000);
  const { server, f } = useTestServer({ env: WEBHOOK_ENV });
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  async function kefu(argv: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, (l) => out.push(l), (l) => err.push(l), { DATA_DIR: server.dataDir, LOG_LEVEL: 'silent', WEBHOOK_ALLOW_PRIVATE: 'on', ...env });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  it('webhook:add prints the id and secret; the node signs its calls with that secret', async () => {
    const user = await f.user();
    const added = await kefu(['webhook:add', '--identify', user.identify, '--url', receiver.url, '--events', 'question.created,question.updated', '--json']);
    assert.equal(added.code, 0, added.stderr);
    const { status, webhook_id, secret } = JSON.parse(added.stdout);
    assert.equal(status, 200);
    assert.match(secret, /^whsec_[0-9a-f]{64}$/);

    const questionId = await f.question(user);
    const [call] = await eventually(() => receiver.delivered().find((d) => d.body.data.question.question_id === questionId) && receiver.delivered(), 'the call');
    verifySignature(secret, call!.headers, call!.raw);

    const listed = JSON.parse((await kefu(['webhook:list', '--identify', user.identify, '--json'])).stdout);
    assert.deepEqual(listed.map((w: { webhook_id: string; state: string; events: string[] }) => [w.webhook_id, w.state, w.events]), [[webhook_id, 'active', ['question.created', 'question.updated']]]);
    const text = (await kefu(['webhook:list'])).stdout;
    assert.match(text, /^WEBHOOK_ID\s+IDENTIFY\s+STATE/);
    assert.ok(text.includes(webhook_id));
    assert.ok(!text.includes(secret.slice(6)) && !JSON.stringify(listed).includes(secret.slice(6)), 'no secret in a list');

    const removed = await kefu(['webhook:delete', '--webhook-id', webhook_id]);
    assert.deepEqual([removed.code, removed.stdout], [0, `webhook ${webhook_id} removed`]);
    assert.equal((await kefu(['webhook:list', '--identify', user.identify])).stdout, 'no webhooks');
  });

  it('refuses what the admin API refuses', async () => {
    const identify = await f.app();
    const cases: Array<[string[], RegExp]> = [
      [['webhook:add', '--identify', identify, '--url', 'http://10.0.0.1/hook', '--events', 'question.created'], /param_invalid: url 10\.0\.0\.1 is a private address/],
      [['webhook:add', '--identify', identify, '--url', receiver.url, '--events', 'question.gone'], /param_invalid: --events/],
      [['webhook:add', '--identify', 'com.none', '--url', receiver.url, '--events', 'question.created'], /not_found/],
      [['webhook:delete', '--webhook-id', 'f'.repeat(24)], /not_found/],
    ];
    for (const [argv, expected] of cases) {
      const result = await kefu(argv, { WEBHOOK_ALLOW_PRIVATE: 'off' });
      assert.equal(result.code, 1, argv.join(' '));
      assert.match(result.stderr, expected);
    }
  });
});
