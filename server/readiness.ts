/**
 * Readiness: whether this node's dependencies answer. The store always counts; optional parts
 * (Redis) register their own check. /readyz reports the result; nothing else decides it.
 */
import pTimeout from 'p-timeout';

/** A dependency's check; rejects when it is not ready. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

/** How long one check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 2000;

/** Runs every check at once; each answers `ok` or `down` within the timeout. */
export async function checkReadiness(checks: ReadinessCheck[]): Promise<{ ready: boolean; checks: Record<string, 'ok' | 'down'> }> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await pTimeout(check(), { milliseconds: CHECK_TIMEOUT_MS });
        return [name, 'ok'] as const;
      } catch {
        return [name, 'down'] as const;
      }
    }),
  );
  return { ready: results.every(([, state]) => state === 'ok'), checks: Object.fromEntries(results) };
}
