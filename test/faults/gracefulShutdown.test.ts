/**
 * Shutdown drill: a real node in its own process gets SIGTERM (as Heroku and Kubernetes send it)
 * while a large send_image is half uploaded and a socket client is connected, through a small TCP
 * balancer that sends each new connection to the first node that accepts it. The node must stop
 * accepting, finish the upload with its normal 200, close the socket's transport so the client
 * reconnects to the second node by itself, exit 0 within 25 s, and keep what it stored.
 */
import { messageOnly } from '../support/questions.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { rmSync } from 'node:fs';
import { KefuClient } from '../../shared/client.js';
import type { Message } from '../../shared/schemas/responses.js';
import { allMessages, provisionServedQuestion, spawnNode, type ChildNode } from '../support/childServer.js';
import { eventually } from '../support/eventually.js';
import { client } from '../support/http.js';
import { startTestServer, tempDataDir, type TestServer } from '../support/server.js';
import { noisyJpeg } from '../media/fixtures.js';

interface Balancer {
  url: string;
  /** Connections handed to each backend port so far. */
  routed: Map<number, number>;
  close(): Promise<void>;
}

/** Forwards each connection to the first of `ports` that accepts it, as a load balancer would. */
async function startBalancer(ports: number[]): Promise<Balancer> {
  const routed = new Map<number, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((downstream) => {
    sockets.add(downstream);
    downstream.on('close', () => sockets.delete(downstream));
    downstream.pause();
    const attempt = (index: number) => {
      if (index >= ports.length) return downstream.destroy();
      const upstream = net.connect(ports[index]!, '127.0.0.1');
      upstream.once('error', () => attempt(index + 1));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        routed.set(ports[index]!, (routed.get(ports[index]!) ?? 0) + 1);
        sockets.add(upstream);
        upstream.on('close', () => (sockets.delete(upstream), downstream.destroy()));
        downstream.on('close', () => upstream.destroy());
        upstream.on('error', () => upstream.destroy());
        downstream.on('error', () => downstream.destroy());
        downstream.pipe(upstream).pipe(downstream);
        downstream.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    routed,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** True once `port` refuses new connections. */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** A POST whose body is sent in two parts: the second only when `finish()` is called. */
function slowPost(port: number, path: string, body: string) {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  const request = http.request({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': bytes.length, expect: '100-continue' },
  });
  const reply = new Promise<{ status: number; body: any }>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
  // "100 Continue" comes once the node has parsed the headers: from then on the request is its.
  const accepted = new Promise<void>((resolve) => request.once('continue', () => request.write(bytes.subarray(0, half), () => resolve())));
  return { accepted, reply, finish: () => request.end(bytes.subarray(half)) };
}

function exitOf(node: ChildNode): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = node.process;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('graceful shutdown on SIGTERM', function () {
  this.timeout(90_000);
  let dataDir: string;
  let nodeA: ChildNode | undefined;
  let nodeB: TestServer | undefined;
  let balancer: Balancer | undefined;
  let desk: KefuClient | undefined;

  before(async () => {
    dataDir = tempDataDir();
    nodeA = await spawnNode({ DATA_DIR: dataDir });
    nodeB = await startTestServer({ DATA_DIR: dataDir });
  });
  after(async () => {
    desk?.close();
    await balancer?.close();
    await nodeA?.kill('SIGKILL');
    await nodeB?.stop({ keepData: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes requests in flight, refuses new ones, hands sockets to another node, exits 0, keeps data', async () => {
    const a = nodeA!;
    balancer = await startBalancer([a.port, nodeB!.port]);
    const served = await provisionServedQuestion(a.url);
    const [user] = served.users as [(typeof served.users)[0]];

    // A socket client through the balancer lands on node A and follows the question.
    const delivered: Message[] = [];
    const reasons: string[] = [];
    desk = new KefuClient({
      url: balancer.url,
      session: user.session,
      socket: { reconnectionDelay: 100, reconnectionDelayMax: 500 },
    });
    desk.socket.on('disconnect', (reason) => reasons.push(reason));
    await eventually(() => desk!.socket.connected, 'socket connected', 10_000);
    await desk.watch(served.questionId, (m) => delivered.push(messageOnly(m)));
    assert.deepEqual([...balancer.routed.keys()], [a.port], 'everything went to A so far');
    const before = await client(a.url).post(`/v1/question/${served.questionId}/message/send_text`, {
      session: user.session, sender: user.sender, sender_type: 1, text: 'written before SIGTERM',
    });
    assert.equal(before.status, 200, before.text);
    await eventually(() => delivered.some((m) => m.message_id === before.body.message_id), 'live delivery on A', 10_000);

    // A large image, half uploaded when the signal arrives.
    const image = (await noisyJpeg(1600, 1200)).toString('base64');
    const upload = slowPost(a.port, `/v1/question/${served.questionId}/message/send_image`, JSON.stringify({
      session: user.session, sender: user.sender, sender_type: 1, image,
    }));
    await upload.accepted;
    const signalledAt = Date.now();
    a.process.kill('SIGTERM');
    const exited = exitOf(a);

    // New connections are refused while the accepted request is still being uploaded.
    await eventually(() => refuses(a.port), 'node A refusing connections', 10_000);
    upload.finish();
    const reply = await upload.reply;
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.match(reply.body.message_id, /^[0-9a-f]{24}$/);

    // The socket was told by a transport close (not a server disconnect) and reconnected to B.
    await eventually(() => (balancer!.routed.get(nodeB!.port) ?? 0) > 0 && desk!.socket.connected, 'reconnect to B', 20_000);
    assert.equal(reasons[0], 'transport close', `disconnect reasons: ${reasons.join(', ')}`);
    const after = await client(nodeB!.url).post(`/v1/question/${served.questionId}/message/send_text`, {
      session: served.agent.session, sender: served.agent.sender, sender_type: 2, text: 'served by B',
    });
    assert.equal(after.status, 200, after.text);
    await eventually(() => delivered.some((m) => m.message_id === after.body.message_id), 'delivery through B', 15_000);
    // The catch-up after the reconnect also brought the image stored during the shutdown.
    assert.ok(delivered.some((m) => m.message_id === reply.body.message_id), 'image delivered after reconnect');

    const { code, signal } = await Promise.race([
      exited,
      new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('node A still running 25 s after SIGTERM')), 25_000 - (Date.now() - signalledAt)).unref()),
    ]);
    assert.deepEqual({ code, signal }, { code: 0, signal: null });

    // Restarted on the same DATA_DIR, node A has everything, in order.
    nodeA = await spawnNode({ DATA_DIR: dataDir });
    const history = await allMessages(nodeA.url, served.questionId, user.session);
    const ids = history.map((m) => m.message_id);
    for (const id of [before.body.message_id, reply.body.message_id, after.body.message_id]) assert.ok(ids.includes(id), id);
    assert.deepEqual(history.map((m) => m.seq), history.map((_, i) => i + 1));
    const imageMessage = history.find((m) => m.message_id === reply.body.message_id);
    const stored = await fetch(imageMessage.image_url.replace(/^https?:\/\/[^/]+/, nodeA.url));
    assert.equal(stored.status, 200);
    assert.equal(stored.headers.get('content-type'), 'image/jpeg');
  });
});
