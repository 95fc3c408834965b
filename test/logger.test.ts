/**
 * What the logger censors (server/logger.ts), on the lines it writes: secret keys at the top of a
 * log object and one level down, the session header, child bindings and interpolated objects, and
 * never the caller's own objects. The request log's own lines are covered in test/http/logging.test.ts.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, redactSecrets, SECRET_KEYS } from '../server/logger.js';

function capture() {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

describe('logger redaction', () => {
  it('censors every secret key at the top level and one level down, and leaves the rest', () => {
    const { logger, lines } = capture();
    const secrets = Object.fromEntries(SECRET_KEYS.map((key) => [key, `top-${key}`]));
    const nested = Object.fromEntries(SECRET_KEYS.map((key) => [key, `nested-${key}`]));
    logger.info({ ...secrets, body: { ...nested, kept: 'fine' }, count: 3, name: 'n' }, 'line');
    const [line] = lines;
    for (const key of SECRET_KEYS) {
      assert.equal(line![key], '[redacted]', key);
      assert.equal(line!.body[key], '[redacted]', `body.${key}`);
    }
    assert.deepEqual([line!.body.kept, line!.count, line!.name, line!.msg], ['fine', 3, 'n', 'line']);
    assert.ok(!JSON.stringify(line).includes('top-') && !JSON.stringify(line).includes('nested-'));
  });

  it('censors the X-Session header at the top level and one level down', () => {
    const { logger, lines } = capture();
    logger.info({ headers: { 'x-session': 'AAAAAAAAAAAA', accept: 'json' }, req: { headers: { 'x-session': 'BBBBBBBBBBBB' } } });
    assert.deepEqual(lines[0]!.headers, { 'x-session': '[redacted]', accept: 'json' });
    assert.deepEqual(lines[0]!.req.headers, { 'x-session': '[redacted]' });
  });

  it('leaves deeper levels as pino paths did (two levels down is not a path)', () => {
    assert.deepEqual(redactSecrets({ a: { b: { password: 'deep' } } }), { a: { b: { password: 'deep' } } });
  });

  it("never changes the caller's objects", () => {
    const body = { password: 'p', other: 1 };
    const object = { session: 's', body };
    const censored = redactSecrets(object);
    assert.deepEqual(object, { session: 's', body: { password: 'p', other: 1 } });
    assert.equal(object.body, body);
    assert.deepEqual(censored, { session: '[redacted]', body: { password: '[redacted]', other: 1 } });
    const clean = { a: 1, b: { c: 2 } };
    assert.equal(redactSecrets(clean), clean, 'nothing to censor: the same object, no copy');
  });

  it('keeps an error an error while censoring a secret it carries', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('boom'), { password: 'in-error' });
    logger.error({ err: error }, 'failed');
    assert.equal(lines[0]!.err.message, 'boom');
    assert.equal(lines[0]!.err.type, 'Error');
    assert.match(lines[0]!.err.stack, /boom/);
    assert.equal(lines[0]!.err.password, '[redacted]');
    assert.equal(error.password, 'in-error');
  });

  it('censors child bindings and interpolated objects', () => {
    const { logger, lines } = capture();
    logger.child({ job: 'j', token: 'child-token' }).info('from a child');
    logger.info('interpolated %j', { session: 'ZZZZZZZZZZZZ' });
    assert.equal(lines[0]!.token, '[redacted]');
    assert.equal(lines[0]!.job, 'j');
    assert.ok(!lines[1]!.msg.includes('ZZZZZZZZZZZZ'), lines[1]!.msg);
  });
});
