/**
 * The load generator when wrk is absent: autocannon in this child process (never in the parent or
 * a server). Input: LoadOptions (readInput); output: "RESULT <LoadResult JSON>". Requests
 * are cycled through one shared counter across connections, like the wrk script.
 */
import autocannon, { type Request } from 'autocannon';
import type { LoadOptions, LoadResult } from './load.js';
import { readInput } from './processes.js';

const options = readInput<LoadOptions>();
let n = 0;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationS,
  requests: [
    {
      setupRequest: (request: Request): Request => {
        const next = options.requests[n++ % options.requests.length]!;
        return { ...request, method: next.method, path: next.path, headers: next.headers ?? {}, body: next.body };
      },
    },
  ],
});
const reply: LoadResult = {
  requests: result.requests.total,
  errors: result.non2xx + result.errors + result.timeouts,
  rps: result.requests.total / result.duration,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
};
process.stdout.write(`RESULT ${JSON.stringify(reply)}\n`);
