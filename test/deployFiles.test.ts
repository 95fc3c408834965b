/**
 * The deploy files agree with the code: every configuration variable is explained in .env.example
 * and offered in app.json (or left out for a stated reason), their sample values pass loadConfig,
 * and the commands of the Procfile, Dockerfile and compose.yaml are the package's own scripts.
 * No Docker engine runs here: the Dockerfile and compose.yaml are checked as text only.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { CONFIG_VARIABLES, loadConfig } from '../server/config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const packageJson = JSON.parse(read('package.json')) as { main: string; scripts: Record<string, string> };

/** Why app.json offers no field for these. */
const NOT_IN_APP_JSON: Record<string, string> = {
  PORT: 'the platform sets it for each dyno',
  DATA_DIR: "Heroku's disk is ephemeral: MONGODB_URI is required there and DATA_DIR is unused",
  REDIS_URL: 'the heroku-redis add-on sets it',
};

/** `NAME=value` lines of .env.example, commented out or not, in order. */
function exampleLines(): { name: string; value: string; comment: string[] }[] {
  const lines = read('.env.example').split('\n');
  const found: { name: string; value: string; comment: string[] }[] = [];
  lines.forEach((line, index) => {
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) return;
    const comment: string[] = [];
    for (let i = index - 1; i >= 0 && /^#\s+\S/.test(lines[i]!) && !/^#\s*[A-Z][A-Z0-9_]*=/.test(lines[i]!); i--) {
      comment.unshift(lines[i]!);
    }
    found.push({ name: match[1]!, value: match[2]!, comment });
  });
  return found;
}

describe('deploy files', () => {
  describe('.env.example', () => {
    it('shows every configuration variable once, under a comment that explains it', () => {
      const lines = exampleLines();
      for (const name of CONFIG_VARIABLES) {
        const entries = lines.filter((line) => line.name === name);
        assert.equal(entries.length, 1, `${name} appears once in .env.example`);
        assert.ok(entries[0]!.comment.join(' ').length >= 20, `${name} has an explaining comment`);
      }
    });

    it('names no variable that kefu does not read', () => {
      const known = new Set(CONFIG_VARIABLES);
      for (const { name } of exampleLines()) assert.ok(known.has(name), `${name} is a configuration variable`);
    });

    it('leaves everything commented out, and every value shown passes loadConfig', () => {
      assert.deepEqual(parseEnv(read('.env.example')), {}, 'copying it to .env changes nothing');
      const uncommented = exampleLines()
        .map(({ name, value }) => `${name}=${value}`)
        .join('\n');
      const env = parseEnv(uncommented);
      const config = loadConfig(env);
      assert.equal(config.port, 3000);
      assert.equal(config.logFormat, 'auto');
    });

    it('stays out of git and out of images', () => {
      assert.match(read('.gitignore'), /^\.env$/m);
      assert.match(read('.dockerignore'), /^\.env$/m);
    });
  });

  describe('app.json', () => {
    const app = JSON.parse(read('app.json')) as {
      env: Record<string, { description?: string; value?: string; generator?: string; required?: boolean }>;
      addons: { plan: string }[];
    };

    it('offers every configuration variable, or says why not', () => {
      for (const name of CONFIG_VARIABLES) {
        assert.ok(name in app.env || name in NOT_IN_APP_JSON, `${name} is in app.json's env or in NOT_IN_APP_JSON`);
        assert.ok(!(name in app.env && name in NOT_IN_APP_JSON), `${name} is not both offered and excused`);
      }
      const known = new Set(CONFIG_VARIABLES);
      for (const name of Object.keys(app.env)) assert.ok(known.has(name), `${name} is a configuration variable`);
    });

    it('describes every variable; only MONGODB_URI must be typed in, secrets are generated', () => {
      for (const [name, entry] of Object.entries(app.env)) {
        assert.ok((entry.description ?? '').length >= 20, `${name} has a description`);
        // app.json treats a variable without `required` as required.
        const mustBeTyped = entry.required !== false && entry.value === undefined && entry.generator === undefined;
        assert.equal(mustBeTyped, name === 'MONGODB_URI', `${name}: required only for MONGODB_URI`);
      }
      assert.match(app.env.MONGODB_URI!.description!, /ephemeral/);
      assert.equal(app.env.ADMIN_TOKEN!.generator, 'secret');
      assert.equal(app.env.METRICS_TOKEN!.generator, 'secret');
      assert.equal(app.env.PUSH_WEBHOOK_SECRET!.generator, 'secret');
      assert.equal(app.env.TRUST_PROXY!.value, '1', "Heroku's router is one hop");
      assert.ok(app.addons.some((addon) => addon.plan.startsWith('heroku-redis')), 'a Redis add-on');
    });

    it('has values that pass loadConfig, with a generated secret of 64 hex digits', () => {
      const env: Record<string, string> = { MONGODB_URI: 'mongodb+srv://kefu:pw@cluster.example.net/kefu' };
      for (const [name, entry] of Object.entries(app.env)) {
        if (entry.value !== undefined) env[name] = entry.value;
        if (entry.generator === 'secret') env[name] = 'ab'.repeat(32);
      }
      const config = loadConfig(env);
      assert.equal(config.trustProxy, 1);
      assert.equal(config.redisTlsVerify, false);
      assert.equal(config.logFormat, 'json');
    });
  });

  describe('Procfile', () => {
    const procfile = Object.fromEntries(
      read('Procfile')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
    );

    it('applies migrations and indexes in the release phase', () => {
      assert.equal(procfile.release, 'npm run migrate');
      assert.ok(packageJson.scripts.migrate, 'the migrate script exists');
      assert.ok(existsSync(path.join(ROOT, 'scripts/migrate.ts')));
    });

    it('runs the compiled server with the memory settings of the README', () => {
      assert.equal(procfile.web, `MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node ${packageJson.main}`);
      assert.equal(packageJson.scripts['start:prod'], `node ${packageJson.main}`);
      assert.match(packageJson.scripts.build!, /tsc -p tsconfig\.build\.json/, 'the platform build step compiles the server');
    });
  });

  describe('Dockerfile (text only: no Docker engine here)', () => {
    const dockerfile = read('Dockerfile');

    it('copies only what exists', () => {
      const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.split(/\s+/));
      assert.ok(sources.length >= 4, 'COPY lines found');
      for (const source of sources) if (source !== '.') assert.ok(existsSync(path.join(ROOT, source)), `${source} exists`);
      const ignored = read('.dockerignore').split('\n');
      for (const heavy of ['node_modules', 'dist', 'data', '.git']) assert.ok(ignored.includes(heavy), `.dockerignore has ${heavy}`);
    });

    it('builds with the package scripts and runs npm ci --omit=dev as a non-root user', () => {
      assert.match(dockerfile, /^RUN npm ci\b(?!.*--omit)/m, 'the build stage installs everything');
      assert.match(dockerfile, /^RUN npm run build$/m);
      assert.match(dockerfile, /^RUN npm ci --omit=dev\b/m);
      assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 3, 'multi-stage');
      const user = /^USER (\S+)$/m.exec(dockerfile)?.[1];
      assert.ok(user && user !== 'root', 'a non-root user');
      assert.ok(dockerfile.indexOf('USER ') < dockerfile.indexOf('CMD '), 'the user is set before the command');
    });

    it('runs what the Procfile runs, with its memory settings, and probes /readyz', () => {
      assert.match(dockerfile, new RegExp(`^CMD \\["node", "${packageJson.main.replace('.', '\\.')}"\\]$`, 'm'));
      assert.match(dockerfile, /MALLOC_ARENA_MAX=2\b/);
      assert.match(dockerfile, /MALLOC_MMAP_THRESHOLD_=131072\b/);
      assert.match(dockerfile, /^HEALTHCHECK .*\n?.*\/readyz/m);
    });
  });

  describe('compose.yaml (text only: no Docker engine here)', () => {
    const compose = read('compose.yaml');

    it('runs two kefu nodes behind a proxy, with Redis and a MongoDB replica set', () => {
      for (const service of ['proxy', 'kefu1', 'kefu2', 'redis', 'mongo', 'migrate']) {
        assert.match(compose, new RegExp(`^  ${service}:`, 'm'), `service ${service}`);
      }
      assert.match(compose, /--replSet/);
      assert.match(compose, /MONGODB_URI: mongodb:\/\/mongo:27017\/kefu\?replicaSet=rs0/);
      assert.match(compose, /REDIS_URL: redis:\/\/redis:6379/);
      assert.match(compose, /TRUST_PROXY: "1"/);
      assert.match(compose, /command: \["npm", "run", "migrate"\]/);
      for (const [, file] of compose.matchAll(/- \.\/(\S+?):/g)) assert.ok(existsSync(path.join(ROOT, file!)), `${file} exists`);
      assert.match(read('deploy/Caddyfile'), /reverse_proxy kefu1:3000 kefu2:3000/);
    });
  });
});
