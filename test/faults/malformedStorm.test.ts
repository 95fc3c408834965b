/**
 * Malformed request drill against a real node in its own process, over raw loopback sockets:
 * 500 broken requests (bad JSON, bad chunking, huge headers, bodies over the limit, junk that is
 * not HTTP, bodies and headers cut off and dropped) beside 100 slowloris connections that never
 * finish their headers. Every answered request is a 4xx, never a 5xx or a crash, and the node
 * goes on serving /healthz, /readyz and real sends.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { rmSync } from 'node:fs';
import { client } from '../support/http.js';
import { tempDataDir } from '../support/server.js';
import { provisionServedQuestion, spawnNode, type ChildNode, type ServedQuestion } from '../support/childServer.js';

const REQUESTS = 500;
const CONCURRENCY = 25;
const SLOWLORIS = 100;

/** One malformed request: the raw bytes, and whether the node is expected to answer it. */
interface Abuse {
  name: string;
  bytes: (path: string) => Buffer;
  /** false: the client drops the connection before the request is complete. */
  answered: boolean;
}

const head = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
const post = (path: string, extra: string[], body: string | Buffer) =>
  Buffer.concat([head([`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...extra]), Buffer.from(body)]);
const json = (body: string) => ['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`];

const ABUSES: Abuse[] = [
  { name: 'broken JSON', answered: true, bytes: (p) => post(p, json('{"session": "abc", "text": '), '{"session": "abc", "text": ') },
  { name: 'JSON nested 20000 deep', answered: true, bytes: (p) => post(p, json('['.repeat(20000)), '['.repeat(20000)) },
  { name: 'invalid UTF-8 in JSON', answered: true, bytes: (p) => post(p, ['Content-Type: application/json', 'Content-Length: 8'], Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])) },
  { name: 'body over 64 KiB', answered: true, bytes: (p) => post(p, json(`{"text":"${'x'.repeat(70_000)}"}`), `{"text":"${'x'.repeat(70_000)}"}`) },
  { name: 'header of 32 KiB', answered: true, bytes: (p) => head([`GET ${p} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', `X-Junk: ${'a'.repeat(32_768)}`]) },
  { name: '2000 headers', answered: true, bytes: (p) => head([`GET ${p} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`)]) },
  { name: 'bad chunk size', answered: true, bytes: (p) => post(p, ['Content-Type: application/json', 'Transfer-Encoding: chunked'], 'zz\r\n{}\r\n0\r\n\r\n') },
  { name: 'Content-Length and chunked', answered: true, bytes: (p) => post(p, ['Content-Length: 2', 'Transfer-Encoding: chunked'], '{}') },
  { name: 'two Content-Lengths', answered: true, bytes: (p) => post(p, ['Content-Length: 2', 'Content-Length: 5'], '{}') },
  { name: 'not HTTP at all', answered: true, bytes: () => Buffer.from('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 junk\r\n\r\n', 'latin1') },
  { name: 'form body with bad %-escapes', answered: true, bytes: (p) => post(p, ['Content-Type: application/x-www-form-urlencoded', 'Content-Length: 12'], 'text=%E0%A4%') },
  { name: 'unknown content type', answered: true, bytes: (p) => post(p, ['Content-Type: application/x-kefu', 'Content-Length: 4'], 'abcd') },
  { name: 'body cut off, then dropped', answered: false, bytes: (p) => post(p, ['Content-Type: application/json', 'Content-Length: 1000'], '{"text":"half') },
  { name: 'headers cut off, then dropped', answered: false, bytes: (p) => Buffer.from(`POST ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty`, 'latin1') },
];

/** Sends the abuse; resolves with the status the node answered (0 if none) once the socket closes. */
function fire(port: number, abuse: Abuse, path: string): Promise<number> {
  const bytes = abuse.bytes(path);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${abuse.name}: no reply and no close within 15 s: ${reply.slice(0, 80)}`));
    }, 15_000);
    socket.on('connect', () => {
      socket.write(bytes, () => {
        // A client that gives up half way: wait a moment so the node sees the partial request.
        if (!abuse.answered) setTimeout(() => socket.destroy(), 20);
      });
    });
    socket.on('data', (chunk) => (reply += chunk.toString('latin1')));
    socket.on('error', () => {}); // a reset after the node refused the request is fine
    socket.on('close', () => {
      clearTimeout(timer);
      if (/node_modules|\.[jt]s:\d+|\n\s+at /.test(reply)) reject(new Error(`${abuse.name}: a stack trace leaked: ${reply}`));
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0));
    });
  });
}

describe('faults: malformed request storm (child process, loopback)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let node: ChildNode;
  let q: ServedQuestion;
  const loris: net.Socket[] = [];

  before(async () => {
    dataDir = tempDataDir();
    node = await spawnNode({ DATA_DIR: dataDir });
    q = await provisionServedQuestion(node.url);
  });

  after(async () => {
    for (const socket of loris) socket.destroy();
    await node?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`answers ${REQUESTS} malformed requests with 4xx beside ${SLOWLORIS} slowloris sockets, and goes on serving`, async () => {
    // Slowloris: connections that send part of their headers and then nothing.
    for (let i = 0; i < SLOWLORIS; i++) {
      const socket = net.connect(node.port, '127.0.0.1', () => socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Wait-${i}: `));
      socket.on('error', () => {});
      loris.push(socket);
    }
    const api = client(node.url);
    assert.equal((await api.get('/healthz')).status, 200, 'served while slowloris sockets hang');

    const paths = [`/v1/question/${q.questionId}/message/send_text`, '/v1/question/new', '/v1/serv/bind', '/v1/admin/users'];
    const outcomes = new Map<string, Map<number, number>>();
    let next = 0;
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < REQUESTS; i = next++) {
        const abuse = ABUSES[i % ABUSES.length]!;
        const status = await fire(node.port, abuse, paths[i % paths.length]!);
        const counts = outcomes.get(abuse.name) ?? new Map<number, number>();
        counts.set(status, (counts.get(status) ?? 0) + 1);
        outcomes.set(abuse.name, counts);
      }
    });
    await Promise.all(workers);

    const summary = [...outcomes].map(([name, counts]) => `${name}: ${[...counts].map(([s, n]) => `${s}×${n}`).join(' ')}`);
    console.log(`      ${summary.join('\n      ')}`);
    for (const abuse of ABUSES) {
      for (const status of outcomes.get(abuse.name)!.keys()) {
        if (abuse.answered) assert.ok(status >= 400 && status < 500, `${abuse.name}: answered ${status}`);
        else assert.ok(status === 0 || (status >= 400 && status < 500), `${abuse.name}: answered ${status}`);
      }
    }

    assert.equal(node.process.exitCode, null, 'the node is still running');
    assert.equal((await api.get('/healthz')).status, 200);
    assert.equal((await api.get('/readyz')).status, 200);
    const sent = await api.post(`/v1/question/${q.questionId}/message/send_text`, {
      session: q.users[0]!.session,
      sender: q.users[0]!.sender,
      sender_type: 1,
      text: 'still here',
    });
    assert.equal(sent.status, 200, sent.text);
    assert.equal(loris.filter((s) => !s.destroyed).length, SLOWLORIS, 'the slowloris sockets were held, not refused');
  });
});
