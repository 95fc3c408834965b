/**
 * useTestServer's contract: the node runs exactly while its block's tests do, reading it at any
 * other time throws a clear error, and options reach the node.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { useTestServer } from './server.js';

/** The error `read` throws, or a failure if it returns. */
function thrown(read: () => unknown): Error {
  try {
    read();
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected the read to throw');
}

/** Whether anything still answers at `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`);
    return true;
  } catch {
    return false;
  }
}

describe('test support: useTestServer', () => {
  let stoppedUrl = '';
  let stoppedDataDir = '';
  let readStopped: () => unknown = () => undefined;

  describe('one server for the block', () => {
    const { server, f, api } = useTestServer();
    const early = thrown(() => server.url);
    const earlyFactories = thrown(() => f.user);

    it('throws, naming the before hook, when read in the describe body', () => {
      assert.match(early.message, /useTestServer: the test server is not running yet; it starts in a before hook/);
      assert.match(earlyFactories.message, /not running yet/);
    });

    it('is running in tests, with factories and a client on its URL', async () => {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const user = await f.user();
      const reply = await api.get('/v1/user/' + user.userId + '/alls', {}, { session: user.session });
      assert.equal(reply.status, 200, reply.text);
      assert.equal((await api.get('/healthz')).status, 200);
      stoppedUrl = server.url;
      stoppedDataDir = server.dataDir;
      readStopped = () => server.port;
    });

    it('is the same node for every test of the block', () => {
      assert.equal(server.url, stoppedUrl);
    });
  });

  describe('after its block', () => {
    it('has stopped the node, removed its data and throws when read', async () => {
      assert.notEqual(stoppedUrl, '');
      assert.equal(await answers(stoppedUrl), false);
      assert.equal(existsSync(stoppedDataDir), false);
      assert.match(thrown(readStopped).message, /the test server has stopped/);
    });
  });

  describe('perTest', () => {
    const { server } = useTestServer({ perTest: true });
    const urls: string[] = [];

    it('starts a node for the first test', () => {
      urls.push(server.url);
    });

    it('and a fresh one for the next, the previous one stopped', async () => {
      urls.push(server.url);
      assert.notEqual(urls[1], urls[0]);
      assert.equal(await answers(urls[0]!), false);
    });
  });

  describe('options', () => {
    const { server } = useTestServer({ env: { RATE_LIMITS: 'on' }, now: () => 1234.5 });
    const lazy = useTestServer({ env: async () => ({ PUBLIC_URL: `https://late.example/${process.pid}` }) });

    it('passes env and start options to the node', () => {
      assert.equal(server.config.rateLimits, true);
      assert.equal(server.deps.now(), 1234.5);
    });

    it('calls an env function in the hook', () => {
      assert.equal(lazy.server.config.publicUrl, `https://late.example/${process.pid}`);
    });
  });
});
