/**
 * The connection-time guard of webhook calls (DNS rebinding): whatever was checked at creation, a
 * call whose host resolves to a non-public address is refused before a byte is sent. Also the
 * request's own limits: no redirect followed, 64 KB of answer read, a timeout in all.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhooksReply } from '../../shared/schemas/responses.js';
import { MAX_RESPONSE_BYTES, sendWebhook } from '../../server/webhooks/send.js';
import { assertOk } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import { factories } from '../support/factories.js';
import { startTestServer, tempDataDir } from '../support/server.js';
import { startReceiver } from './support.js';
import { ADMIN, createWebhook, WEBHOOK_ENV } from './webhookSupport.js';
import { rmSync } from 'node:fs';

describe('jobs: webhook calls checked at connect time', function () {
  this.timeout(30_000);

  it('refuses to connect to a name that resolves to loopback, or a loopback literal, unless private addresses are allowed', async () => {
    const receiver = await startReceiver();
    try {
      const port = new URL(receiver.url).port;
      const request = (url: string) => ({ url, headers: { 'content-type': 'application/json' }, body: '{}' });
      await assert.rejects(sendWebhook(request(`http://localhost:${port}/push`), { allowPrivate: false }), (error: NodeJS.ErrnoException) => {
        assert.equal(error.code, 'EADDRNOTPUBLIC');
        assert.match(error.message, /localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
        return true;
      });
      await assert.rejects(sendWebhook(request(`http://127.0.0.1:${port}/push`), { allowPrivate: false }), /loopback/);
      assert.equal(receiver.requests.length, 0, 'nothing reached the receiver');
      assert.equal((await sendWebhook(request(`http://127.0.0.1:${port}/push`), { allowPrivate: true })).status, 200);
      assert.equal(receiver.requests.length, 1);
    } finally {
      await receiver.close();
    }
  });

  it('a webhook whose name resolves to loopback by the time it is called is never called (DNS rebinding)', async () => {
    const receiver = await startReceiver();
    const dataDir = tempDataDir();
    try {
      const url = receiver.url.replace('127.0.0.1', 'localhost');
      // Created while allowed (as a name that resolved to a public address would be), called while not.
      const before = await startTestServer({ ...WEBHOOK_ENV, DATA_DIR: dataDir });
      const user = await factories(before).user();
      const { webhook_id } = await createWebhook(before.url, user.identify, url);
      await before.stop();
      const server = await startTestServer({ ...WEBHOOK_ENV, DATA_DIR: dataDir, WEBHOOK_ALLOW_PRIVATE: 'off' }, { jobs: { webhookBackoffBaseS: 0.05 } });
      try {
        await factories(server).question(user);
        const failing = await eventually(async () => {
          const [w] = assertOk(await factories(server).api.get('/v1/admin/webhooks', { identify: user.identify }, ADMIN), webhooksReply).webhooks;
          return w?.state === 'failing' && w;
        }, 'the call refused and recorded');
        assert.equal(failing.webhook_id, webhook_id);
        assert.match(failing.last_error ?? '', /resolves to (127\.0\.0\.1|::1), a loopback address/);
        assert.equal(receiver.requests.length, 0, 'nothing reached the receiver');
      } finally {
        await server.stop();
      }
    } finally {
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads at most 64 KB of an answer, follows no redirect, and gives up on a receiver that never answers', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const hung: http.ServerResponse[] = [];
    const server = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/big') res.writeHead(200).end(big);
      else if (req.url === '/redirect') res.writeHead(307, { location: '/big' }).end();
      else hung.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const request = (path: string) => ({ url: base + path, headers: {}, body: '{}' });
    try {
      const answer = await sendWebhook(request('/big'), { allowPrivate: true });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.length, MAX_RESPONSE_BYTES);
      assert.equal((await sendWebhook(request('/redirect'), { allowPrivate: true })).status, 307);
      const started = Date.now();
      await assert.rejects(sendWebhook(request('/hang'), { allowPrivate: true, timeoutMs: 300 }), /no complete answer within 0.3 s/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
