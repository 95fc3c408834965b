/** Scraping a node's GET /metrics in tests, and reading samples out of the exposition text. */
import assert from 'node:assert/strict';

/** The METRICS_TOKEN the metrics tests start their nodes with. */
export const METRICS_TOKEN = 'test-metrics-token-0123456789';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample line of a Prometheus text exposition (comments skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not an exposition line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** One scrape of a node, with the helpers to read it. */
export async function scrape(url: string, token = METRICS_TOKEN) {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  assert.equal(response.status, 200, text.slice(0, 300));
  const samples = parseExposition(text);
  return {
    text,
    samples,
    /** The value of the sample with this name and these labels (among others); 0 when absent, as a counter not yet touched. */
    value(name: string, labels: Record<string, string> = {}): number {
      const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      return found.reduce((sum, s) => sum + s.value, 0);
    },
    /** Whether any sample of this name (with these labels) is present. */
    has(name: string, labels: Record<string, string> = {}): boolean {
      return samples.some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    },
  };
}
