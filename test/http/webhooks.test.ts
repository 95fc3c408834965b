/**
 * The webhook admin API over HTTP: create (the secret once), list (never a secret), delete, each
 * refusal with its field; and the SSRF refusals with WEBHOOK_ALLOW_PRIVATE off: loopback, private,
 * link-local and metadata addresses, IPv6 loopback, and a name that resolves to loopback.
 */
import assert from 'node:assert/strict';
import { okReply, webhookCreatedReply, webhooksReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { tempDataDir, useTestServer } from '../support/server.js';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { SqliteStore } from '../../server/stores/sqlite/sqliteStore.js';
import { KEY_FILE, webhookSecret } from '../../server/webhooks/secrets.js';
import { ADMIN } from '../jobs/webhookSupport.js';

/** A public address literal: accepted without any DNS lookup. */
const PUBLIC_URL = 'https://93.184.215.14/kefu-hooks';

describe('admin API: webhooks', () => {
  const { server, f, api } = useTestServer();
  const create = (body: Record<string, unknown>, options = {}) => api.post('/v1/admin/webhooks', body, { ...ADMIN, ...options });

  it('creates a webhook and shows its secret once; the list never shows it, nor anything it derives from', async () => {
    const identify = await f.app();
    const created = assertOk(await create({ identify, url: PUBLIC_URL, events: ['question.created', 'message.created', 'question.created'] }), webhookCreatedReply);
    const listed = assertOk(await api.get('/v1/admin/webhooks', { identify }, ADMIN), webhooksReply);
    assert.deepEqual(listed.webhooks, [
      {
        webhook_id: created.webhook_id,
        identify,
        url: PUBLIC_URL,
        events: ['question.created', 'message.created'],
        state: 'active',
        created_at: listed.webhooks[0]!.created_at,
        disabled_at: null,
        failing_since: null,
        last_error: null,
      },
    ]);
    const stored = (await server.deps.store.webhooks.getWebhook(created.webhook_id))!;
    for (const text of [JSON.stringify(listed), JSON.stringify(stored)]) assert.ok(!text.includes(created.secret.slice(6)), 'no secret');
    assert.ok(!JSON.stringify(listed).includes(stored.salt), 'no salt');
    // Nor anywhere in the database's files, WAL included.
    for (const file of readdirSync(server.dataDir).filter((name) => name.startsWith('kefu.sqlite3'))) {
      assert.ok(!readFileSync(path.join(server.dataDir, file)).includes(created.secret.slice(6)), `no secret in ${file}`);
    }
    // A second webhook of the app gets its own secret; the unfiltered list has both.
    const second = assertOk(await create({ identify, url: PUBLIC_URL, events: 'question.rated' }, { form: true }), webhookCreatedReply);
    assert.notEqual(second.secret, created.secret);
    const all = assertOk(await api.get('/v1/admin/webhooks', {}, ADMIN), webhooksReply).webhooks.map((w) => w.webhook_id);
    assert.ok(all.includes(created.webhook_id) && all.includes(second.webhook_id));
  });

  it('deletes a webhook; a second delete, or an unknown id, is not_found on webhook_id', async () => {
    const identify = await f.app();
    const { webhook_id } = assertOk(await create({ identify, url: PUBLIC_URL, events: ['question.updated'] }), webhookCreatedReply);
    assertOk(await api.delete(`/v1/admin/webhooks/${webhook_id}`, ADMIN), okReply);
    assert.deepEqual(assertOk(await api.get('/v1/admin/webhooks', { identify }, ADMIN), webhooksReply).webhooks, []);
    assertError(await api.delete(`/v1/admin/webhooks/${webhook_id}`, ADMIN), 'not_found', 'webhook_id');
    assertError(await api.delete('/v1/admin/webhooks/not-an-id', ADMIN), 'param_invalid', 'webhook_id');
  });

  it('refuses bad input with the field at fault', async () => {
    const identify = await f.app();
    assertError(await create({ url: PUBLIC_URL, events: ['question.created'] }), 'param_missing', 'identify');
    assertError(await create({ identify, events: ['question.created'] }), 'param_missing', 'url');
    assertError(await create({ identify, url: PUBLIC_URL }), 'param_missing', 'events');
    assertError(await create({ identify, url: PUBLIC_URL, events: [] }), 'param_invalid', 'events');
    assertError(await create({ identify, url: PUBLIC_URL, events: ['question.deleted'] }), 'param_invalid', 'events');
    assertError(await create({ identify, url: 'ftp://93.184.215.14/x', events: ['question.created'] }), 'param_invalid', 'url');
    assertError(await create({ identify, url: 'not a url', events: ['question.created'] }), 'param_invalid', 'url');
    assertError(await create({ identify, url: 'https://user:pw@93.184.215.14/x', events: ['question.created'] }), 'param_invalid', 'url');
    assertError(await create({ identify, url: `https://93.184.215.14/${'x'.repeat(2000)}`, events: ['question.created'] }), 'param_invalid', 'url');
    assertError(await create({ identify: 'com.no.such.app', url: PUBLIC_URL, events: ['question.created'] }), 'not_found', 'identify');
    assertError(await api.get('/v1/admin/webhooks', { identify: 'bad identify!' }, ADMIN), 'param_invalid', 'identify');
    assertError(await api.post('/v1/admin/webhooks', { identify, url: PUBLIC_URL, events: ['question.created'] }), 'forbidden', 'authorization');
    assertError(await api.get('/v1/admin/webhooks'), 'forbidden', 'authorization');
    assert.deepEqual(assertOk(await api.get('/v1/admin/webhooks', { identify }, ADMIN), webhooksReply).webhooks, []);
  });

  it('refuses URLs to loopback, private, link-local, metadata and other non-public addresses (400 on url)', async () => {
    const identify = await f.app();
    const refused = [
      'http://127.0.0.1:8080/hook',
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:3000/hook',
      'http://localhost:3000/hook',
      'http://192.168.1.10/hook',
      'http://172.16.0.1/hook',
      'http://100.64.0.1/hook',
      'http://0.0.0.0/hook',
      'http://224.0.0.1/hook',
      'http://[fd00:ec2::254]/latest',
      'http://[fe80::1]/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://2130706433/hook',
    ];
    for (const url of refused) {
      const reply = await create({ identify, url, events: ['question.created'] });
      assertError(reply, 'param_invalid', 'url');
    }
    const loopbackName = await create({ identify, url: 'http://localhost:3000/hook', events: ['question.created'] });
    assert.match(loopbackName.body.debug, /localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    assert.deepEqual(assertOk(await api.get('/v1/admin/webhooks', { identify }, ADMIN), webhooksReply).webhooks, []);
  });
});

describe('admin API: webhooks with WEBHOOK_ALLOW_PRIVATE=on', () => {
  const { f, api } = useTestServer({ env: { WEBHOOK_ALLOW_PRIVATE: 'on' } });

  it('accepts a loopback or private URL, and still only http(s)', async () => {
    const identify = await f.app();
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost:3000/hook', 'http://10.0.0.1/hook']) {
      assertOk(await api.post('/v1/admin/webhooks', { identify, url, events: ['question.created'] }, ADMIN), webhookCreatedReply);
    }
    assertError(await api.post('/v1/admin/webhooks', { identify, url: 'file:///etc/passwd', events: ['question.created'] }, ADMIN), 'param_invalid', 'url');
  });
});

describe('admin API: webhooks on MongoDB without WEBHOOK_KEY', () => {
  // No MongoDB server runs here: the node is configured for one (MONGODB_URI) but handed an embedded
  // store, which is all this needs: the refusal depends on the configuration alone.
  const storeDir = tempDataDir();
  const { server, f, api } = useTestServer({ env: { MONGODB_URI: 'mongodb://127.0.0.1:1/kefu' }, store: new SqliteStore({ dataDir: storeDir }) });
  after(() => rmSync(storeDir, { recursive: true, force: true }));

  it('cannot create one (no key every node shares): 404 not_found, nothing stored, no key file written', async () => {
    const identify = await f.app();
    const reply = await api.post('/v1/admin/webhooks', { identify, url: PUBLIC_URL, events: ['question.created'] }, ADMIN);
    assertError(reply, 'not_found', null);
    assert.match(reply.body.debug, /WEBHOOK_KEY/);
    assert.deepEqual(await server.deps.store.webhooks.listWebhooks(), []);
    assert.equal(existsSync(path.join(server.config.dataDir, KEY_FILE)), false);
  });
});

describe('admin API: webhooks with WEBHOOK_KEY', () => {
  const KEY = 'a-webhook-key-of-at-least-32-characters';
  const { server, f, api } = useTestServer({ env: { WEBHOOK_KEY: KEY } });

  it('derives the secret from the key and the stored salt, and writes no key file', async () => {
    const identify = await f.app();
    const { webhook_id, secret } = assertOk(await api.post('/v1/admin/webhooks', { identify, url: PUBLIC_URL, events: ['question.created'] }, ADMIN), webhookCreatedReply);
    const stored = (await server.deps.store.webhooks.getWebhook(webhook_id))!;
    assert.equal(secret, webhookSecret(KEY, webhook_id, stored.salt));
    assert.notEqual(secret, webhookSecret('another-key-of-at-least-32-characters', webhook_id, stored.salt));
    assert.equal(existsSync(path.join(server.config.dataDir, KEY_FILE)), false);
  });
});

describe('webhooks on the embedded store without WEBHOOK_KEY', () => {
  const { server, f, api } = useTestServer();

  it('generates one key into DATA_DIR, readable by its owner only, and keeps using it', async () => {
    const identify = await f.app();
    const { webhook_id, secret } = assertOk(await api.post('/v1/admin/webhooks', { identify, url: PUBLIC_URL, events: ['question.created'] }, ADMIN), webhookCreatedReply);
    const file = path.join(server.config.dataDir, KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const key = readFileSync(file, 'utf8').trim();
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(secret, webhookSecret(key, webhook_id, (await server.deps.store.webhooks.getWebhook(webhook_id))!.salt));
  });
});
