/**
 * The signature check docs/api.md gives receivers ("Headers and signature") runs as printed: the
 * snippet is taken from the document, run as its own Node process (only its port changed), and
 * sent a real node's webhook calls, which it accepts, and a forged and a stale call, which it refuses.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/redis.js';
import { useTestServer } from '../support/server.js';
import { createWebhook, WEBHOOK_ENV } from '../jobs/webhookSupport.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = readFileSync(path.join(root, 'docs/api.md'), 'utf8');

/** The ```js block of the "Headers and signature" section. */
function snippet(): string {
  const start = doc.indexOf('\n### Headers and signature\n');
  assert.ok(start >= 0, 'docs/api.md has a "Headers and signature" section');
  const block = /```js\n([\s\S]*?)```/.exec(doc.slice(start));
  assert.ok(block, 'with a js block');
  return block[1]!;
}

describe('docs: the webhook signature check of docs/api.md', function () {
  this.timeout(30_000);
  const { server, f } = useTestServer({ env: WEBHOOK_ENV });
  let receiver: ChildProcess | undefined;
  after(() => receiver?.kill());

  it('accepts the calls a node makes and refuses a forged or stale one', async () => {
    const code = snippet();
    assert.match(code, /\.listen\(8080\)/);
    const port = await freePort();
    const user = await f.user();
    const { secret } = await createWebhook(server.url, user.identify, `http://127.0.0.1:${port}/kefu/webhooks`, ['question.created']);
    let stdout = '';
    receiver = spawn(process.execPath, ['--input-type=module', '-e', code.replace('.listen(8080)', `.listen(${port}, '127.0.0.1')`)], {
      cwd: root,
      env: { ...process.env, KEFU_WEBHOOK_SECRET: secret },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    receiver.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const url = `http://127.0.0.1:${port}/kefu/webhooks`;
    await eventually(() => fetch(url, { method: 'POST' }).then(() => true, () => false), 'the receiver listens');

    const questionId = await f.question(user);
    await eventually(() => stdout.includes(`question.created ${questionId}`), 'the call accepted and handled');
    assert.equal((await server.deps.store.webhooks.countDeliveries()).pending, 0, 'answered 2xx');

    const body = JSON.stringify({ id: 'x', event: 'question.created', data: { question: { question_id: 'test-call' } } });
    const post = (signature: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kefu-signature': signature, 'x-kefu-delivery': 'x' }, body });
    const sign = (t: number, key: string) => `t=${t},v1=` + createHmac('sha256', key).update(`${t}.${body}`).digest('hex');
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await post(sign(now, 'whsec_not-the-secret'))).status, 401, 'forged');
    assert.equal((await post(sign(now - 3600, secret))).status, 401, 'stale');
    assert.equal((await post('')).status, 401, 'unsigned');
    assert.equal((await post(sign(now, secret))).status, 204, 'a fresh, signed call');
    // Only the last of the four was handled.
    await eventually(() => stdout.includes('question.created test-call'), 'the signed call handled');
    assert.equal(stdout.split('question.created test-call').length - 1, 1);
  });
});
