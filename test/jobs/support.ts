/**
 * Helpers for the job tests: a clock the test moves (given to nodes as `now`) and a local webhook
 * receiver on port 0.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Real time plus an offset the test moves forward; share one between nodes of a test. */
export function movableClock() {
  let offset = 0;
  return {
    now: () => Date.now() / 1000 + offset,
    advance(seconds: number) {
      offset += seconds;
    },
  };
}

export interface Delivery {
  headers: http.IncomingHttpHeaders;
  /** The raw body, exactly as received. */
  raw: string;
  body: any;
  /** What the receiver answered. */
  status: number;
}

/**
 * A webhook endpoint. `respond` picks the answer per request (default 200); 'reset' drops the
 * connection without an answer, as a receiver that is down.
 */
export async function startReceiver(respond: (delivery: Omit<Delivery, 'status'>, index: number) => number | 'reset' | Promise<number | 'reset'> = () => 200) {
  const requests: Delivery[] = [];
  let seen = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const partial = { headers: req.headers, raw, body: JSON.parse(raw) };
      const answer = await respond(partial, seen++);
      if (answer === 'reset') {
        requests.push({ ...partial, status: 0 });
        req.socket.destroy();
        return;
      }
      requests.push({ ...partial, status: answer });
      res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/push`,
    requests,
    /** Requests answered with 2xx. */
    delivered: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
