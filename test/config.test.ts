import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../server/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The variables of docs/api.md "Running it" (and the extra ones config.ts reads), to clear in children. */
const KNOWN = [
  'PORT',
  'DATA_DIR',
  'MONGODB_URI',
  'REDIS_URL',
  'ADMIN_TOKEN',
  'METRICS_TOKEN',
  'PUBLIC_URL',
  'QUESTION_PENDING_TIMEOUT_S',
  'QUESTION_IDLE_TIMEOUT_S',
  'FINISH_CONFIRM_TIMEOUT_S',
  'SWEEP_INTERVAL_S',
  'SESSION_TTL_S',
  'DESK_SESSION_TTL_S',
  'RATE_LIMITS',
  'LOG_LEVEL',
  'TRUST_PROXY',
  'CORS_ORIGINS',
  'PUSH_WEBHOOK_URL',
  'PUSH_WEBHOOK_SECRET',
  'WEBHOOK_KEY',
  'WEBHOOK_ALLOW_PRIVATE',
];

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the defaults of docs/api.md "Running it" when nothing is set', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.equal(config.mongodbUri, undefined);
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.adminToken, undefined);
    assert.equal(config.publicUrl, undefined);
    assert.equal(config.pendingTimeoutS, 86400);
    assert.equal(config.idleTimeoutS, 86400);
    assert.equal(config.finishConfirmTimeoutS, 600);
    assert.equal(config.sweepIntervalS, 30);
    assert.equal(config.sessionTtlS, undefined, 'app sessions never expire unless SESSION_TTL_S is set');
    assert.equal(config.deskSessionTtlS, 43200);
    assert.equal(config.rateLimits, true);
    assert.deepEqual(config.corsOrigins, []);
    assert.equal(config.trustProxy, false);
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig({ PORT: '', ADMIN_TOKEN: '', RATE_LIMITS: '', REDIS_URL: '' });
    assert.equal(config.port, 3000);
    assert.equal(config.adminToken, undefined);
    assert.equal(config.rateLimits, true);
    assert.equal(config.redisUrl, undefined);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      DATA_DIR: '/var/lib/kefu',
      MONGODB_URI: 'mongodb+srv://db.example/kefu',
      REDIS_URL: 'rediss://:pw@cache.example:6380',
      ADMIN_TOKEN: 'a'.repeat(32),
      PUBLIC_URL: 'https://kefu.example/',
      QUESTION_PENDING_TIMEOUT_S: '60',
      QUESTION_IDLE_TIMEOUT_S: '120.5',
      FINISH_CONFIRM_TIMEOUT_S: '5',
      SWEEP_INTERVAL_S: '1',
      SESSION_TTL_S: '2592000',
      DESK_SESSION_TTL_S: '3600.5',
      RATE_LIMITS: 'off',
      TRUST_PROXY: '1',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, '/var/lib/kefu');
    assert.equal(config.mongodbUri, 'mongodb+srv://db.example/kefu');
    assert.equal(config.redisUrl, 'rediss://:pw@cache.example:6380');
    assert.equal(config.adminToken, 'a'.repeat(32));
    assert.equal(config.publicUrl, 'https://kefu.example');
    assert.equal(config.pendingTimeoutS, 60);
    assert.equal(config.idleTimeoutS, 120.5);
    assert.equal(config.finishConfirmTimeoutS, 5);
    assert.equal(config.sweepIntervalS, 1);
    assert.equal(config.sessionTtlS, 2592000);
    assert.equal(config.deskSessionTtlS, 3600.5);
    assert.equal(config.rateLimits, false);
    assert.equal(config.trustProxy, 1);
    assert.deepEqual(config.corsOrigins, ['https://a.example', 'https://b.example']);
    assert.equal(loadConfig({ REDIS_URL: 'redis://localhost:6379' }).redisUrl, 'redis://localhost:6379');
    assert.equal(loadConfig({ RATE_LIMITS: 'on' }).rateLimits, true);
  });

  const bad: Array<[string, string]> = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80 80'],
    ['MONGODB_URI', 'localhost:27017'],
    ['MONGODB_URI', 'http://db.example'],
    ['REDIS_URL', 'http://cache.example'],
    ['ADMIN_TOKEN', 'short'],
    ['METRICS_TOKEN', 'too-short'],
    ['REDIS_URL', 'http://:secret-pw@cache.example'],
    ['PUBLIC_URL', 'kefu.example'],
    ['PUBLIC_URL', 'ftp://kefu.example'],
    ['QUESTION_PENDING_TIMEOUT_S', '0'],
    ['QUESTION_PENDING_TIMEOUT_S', 'a day'],
    ['QUESTION_IDLE_TIMEOUT_S', '-5'],
    ['FINISH_CONFIRM_TIMEOUT_S', '1e3'],
    ['SWEEP_INTERVAL_S', 'often'],
    ['SESSION_TTL_S', '0'],
    ['SESSION_TTL_S', 'a month'],
    ['DESK_SESSION_TTL_S', '-1'],
    ['DESK_SESSION_TTL_S', '12h'],
    ['RATE_LIMITS', 'maybe'],
    ['RATE_LIMITS', 'OFF '],
    ['LOG_LEVEL', 'loud'],
    ['TRUST_PROXY', 'yes'],
    ['WEBHOOK_KEY', 'too-short-a-key'],
    ['WEBHOOK_ALLOW_PRIVATE', 'yes'],
  ];
  for (const [name, value] of bad) {
    it(`refuses ${name}=${JSON.stringify(value)} with one line naming it`, () => {
      const error = configError({ [name]: value });
      assert.ok(error.message.startsWith(`${name}: `), error.message);
      assert.doesNotMatch(error.message, /\n/);
      assert.ok(error.message.length < 200, error.message);
      // Values may be secrets (tokens, URLs with passwords): the message names, never echoes.
      if (value.length >= 5) assert.ok(!error.message.includes(value), error.message);
    });
  }

  it('keeps webhooks to public addresses unless WEBHOOK_ALLOW_PRIVATE=on, and reads WEBHOOK_KEY', () => {
    assert.equal(loadConfig({}).webhookAllowPrivate, false);
    assert.equal(loadConfig({}).webhookKey, undefined);
    assert.equal(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'on' }).webhookAllowPrivate, true);
    assert.equal(loadConfig({ WEBHOOK_KEY: 'k'.repeat(32) }).webhookKey, 'k'.repeat(32));
  });

  it('needs PUSH_WEBHOOK_SECRET with PUSH_WEBHOOK_URL', () => {
    const error = configError({ PUSH_WEBHOOK_URL: 'https://hooks.example/kefu' });
    assert.match(error.message, /^PUSH_WEBHOOK_SECRET: /);
  });
});

describe('server/main.ts with a bad configuration', function () {
  // Each run starts a fresh Node with the tsx loader.
  this.timeout(60_000);
  /** Runs the `npm start` entry and resolves with its exit code and output. */
  function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !KNOWN.includes(key)));
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: root,
      env: { ...clean, DATA_DIR: path.join(root, 'does-not-matter'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  for (const [name, value] of [
    ['PORT', 'abc'],
    ['RATE_LIMITS', 'maybe'],
  ] as const) {
    it(`exits non-zero with one stderr line naming ${name}`, async () => {
      const { code, stdout, stderr } = await runMain({ [name]: value });
      assert.notEqual(code, 0);
      assert.notEqual(code, null);
      const lines = stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0]!, new RegExp(`\\b${name}\\b`));
      assert.doesNotMatch(stderr, /\n\s+at /);
      assert.equal(stdout, '');
    });
  }
});
