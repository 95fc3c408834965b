/**
 * The timeout sweeper: every SWEEP_INTERVAL_S it resolves questions pending or idle too long
 * (action 5) and finishes unconfirmed finish requests (action 4).
 *
 * Every node sweeps. Exactly-once comes from the store, not from a leader: each transition is a
 * conditional write whose guards (status, and the age of the timestamp the scan matched) are checked
 * again inside the write, so of N nodes racing one wins and the others match nothing. The same guards
 * make a late message cancel a timeout that the scan had already picked.
 */
import { ApiError } from '../../shared/errors.js';
import type { NoticeAction } from '../../shared/limits.js';
import type { Deps } from '../deps.js';
import { questionTransitioner, type TransitionProps } from '../domain/commands/questionTransitioner.js';
import { actionName, type Metrics } from '../metrics/index.js';

/** Questions of each kind handled per scan; a full batch is followed by another scan at once. */
const BATCH = 200;
/** Scans per sweep at most, so a backlog cannot keep one sweep running for ever. */
const MAX_ROUNDS = 10;

export interface TimeoutSweeper {
  /** One sweep now (tests, and the timer); concurrent calls share the sweep in progress. */
  sweep(): Promise<void>;
  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void>;
}

export interface TimeoutSweeperOptions {
  /** Counts sweeps and the transitions they apply, when metrics are on. */
  metrics?: Metrics;
}

export function startTimeoutSweeper(deps: Deps, options: TimeoutSweeperOptions = {}): TimeoutSweeper {
  const log = deps.logger.child({ job: 'timeoutSweeper' });
  const intervalMs = deps.config.sweepIntervalS * 1000;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const sweep = () =>
    (running ??= sweepAll(deps, log, options.metrics)
      .finally(() => options.metrics?.sweeperRuns.inc())
      .catch((error: unknown) => log.error({ err: error }, 'timeout sweep failed'))
      .finally(() => (running = undefined)));

  // The next sweep is scheduled only after this one ended, so sweeps never overlap.
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void sweep().then(schedule), intervalMs);
    timer.unref();
  };
  schedule();

  return {
    sweep,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

type Kind = 'pending' | 'idle' | 'finishRequested';

async function sweepAll(deps: Deps, log: Deps['logger'], metrics: Metrics | undefined): Promise<void> {
  const { config } = deps;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = deps.now();
    const cutoffs: Record<Kind, number> = {
      pending: now - config.pendingTimeoutS,
      idle: now - config.idleTimeoutS,
      finishRequested: now - config.finishConfirmTimeoutS,
    };
    const found = await deps.store.conversations.scanTimeouts({
      pendingSince: cutoffs.pending,
      idleSince: cutoffs.idle,
      finishRequestedSince: cutoffs.finishRequested,
      limit: BATCH,
    });
    let applied = 0;
    for (const kind of ['finishRequested', 'pending', 'idle'] as const) {
      for (const questionId of found[kind]) {
        const notice = await resolve(deps, { questionId, actor: 'system', ...plan(kind, cutoffs[kind]) }, log);
        if (!notice) continue;
        applied++;
        metrics?.sweeperTransitions.inc({ action: actionName(notice) });
      }
    }
    const full = Object.values(found).some((ids) => ids.length >= BATCH);
    // Another round only while it makes progress: a full batch of lost races would repeat itself.
    if (!full || applied === 0) return;
  }
}

/** The transition and the guard that re-checks, inside the write, what the scan matched. */
function plan(kind: Kind, cutoff: number): Pick<TransitionProps, 'name' | 'guards'> {
  switch (kind) {
    case 'pending':
      return { name: 'timeOut', guards: { statusBefore: cutoff } };
    case 'idle':
      return { name: 'timeOut', guards: { lastActivityBefore: cutoff } };
    case 'finishRequested':
      return { name: 'finishUnconfirmed', guards: { finishRequestedBefore: cutoff } };
  }
}

/** The notice action when this node applied the transition; null for a lost race (another node, a late message), which is silent. */
async function resolve(deps: Deps, props: TransitionProps, log: Deps['logger']): Promise<NoticeAction | null> {
  try {
    const { notice } = await questionTransitioner(deps, props);
    return notice.action ?? null;
  } catch (error) {
    if (error instanceof ApiError && error.code !== 'internal') {
      log.debug({ questionId: props.questionId, code: error.code }, 'timeout no longer applies');
    } else {
      log.error({ err: error, questionId: props.questionId }, 'timeout transition failed');
    }
    return null;
  }
}
