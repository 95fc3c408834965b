/**
 * One webhook request: a POST whose connection checks its addresses (addresses.ts) unless private
 * ones are allowed, that follows no redirect (a 3xx is a failure like any non-2xx), reads at most
 * 64 KB of the answer and gives up after 10 s in all (connect, send, answer).
 */
import http from 'node:http';
import https from 'node:https';
import { guardedLookup, ipLiteral, refusedAddress } from './addresses.js';

/** Most of a receiver's answer that is read; the rest is dropped with the connection. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** The whole request, from connecting to the end of the (truncated) answer. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface SendOptions {
  allowPrivate: boolean;
  /** @default REQUEST_TIMEOUT_MS */
  timeoutMs?: number;
}

/** The answer's status and the start of its body; rejects when no answer came (refused, reset, timed out, blocked). */
export interface WebhookAnswer {
  status: number;
  body: string;
}

// One agent per scheme and mode; no keep-alive, so every request resolves (and is checked) anew.
const agents = {
  guarded: { http: new http.Agent({ lookup: guardedLookup }), https: new https.Agent({ lookup: guardedLookup }) },
  open: { http: new http.Agent(), https: new https.Agent() },
};

export function sendWebhook(request: WebhookRequest, options: SendOptions): Promise<WebhookAnswer> {
  const url = new URL(request.url);
  const literal = ipLiteral(url);
  // A literal address is never looked up, so the lookup cannot check it: checked here instead.
  const refused = !options.allowPrivate && literal ? refusedAddress(literal) : null;
  if (refused) return Promise.reject(Object.assign(new Error(`webhook URL: ${refused}`), { code: 'EADDRNOTPUBLIC' }));
  const secure = url.protocol === 'https:';
  const agent = (options.allowPrivate ? agents.open : agents.guarded)[secure ? 'https' : 'http'];
  const body = Buffer.from(request.body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, {
      method: 'POST',
      agent,
      headers: { ...request.headers, 'content-length': String(body.length) },
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${(options.timeoutMs ?? REQUEST_TIMEOUT_MS) / 1000} s`)), options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      };
      res.on('data', (chunk: Buffer) => {
        if (done) return;
        const room = MAX_RESPONSE_BYTES - size;
        chunks.push(chunk.subarray(0, room));
        size += Math.min(room, chunk.length);
        if (size >= MAX_RESPONSE_BYTES) {
          finish();
          res.destroy();
        }
      });
      res.on('end', finish);
      res.on('error', (error) => (done ? undefined : fail(error)));
      res.on('close', finish);
    });
    req.end(body);
  });
}
