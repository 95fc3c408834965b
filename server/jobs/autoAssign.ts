/**
 * Drives auto-assign (server/domain/commands/autoAssigner.ts) on this node. It drains an app when
 * something may let a waiting question move, as the domain events of this node tell it:
 *
 * - a question asked, or one that went back to the queue (quit, release, a reopen to the queue);
 * - capacity freed (a finish, a timeout, a quit or release) in the app;
 * - an agent of the app coming online (the presence edge, recorded by the one node that saw it);
 * - an agent written (a higher max_concurrent, a new app) and an app set to auto routing.
 *
 * Every AUTO_ASSIGN_SWEEP_MS it also drains every auto app, so a trigger this node never heard (one
 * lost with a node that crashed right after its write, a change made by the CLI, an agent whose
 * node lapsed) is still honoured. Drains run one at a time on a node; across nodes the assign
 * transition's conditional write keeps each question assigned once.
 */
import type { Deps } from '../deps.js';
import { autoAssigner } from '../domain/commands/autoAssigner.js';
import type { DomainEvent } from '../domain/events.js';
import type { TransitionName } from '../domain/stateMachine.js';
import { startPollingWorker } from '../pollingWorker.js';

/** How often every auto app is drained regardless of events. @default 10 s */
export const AUTO_ASSIGN_SWEEP_MS = 10_000;

/** Transitions that only put a question in an agent's hands: they free nothing. */
const TAKES: TransitionName[] = ['serve', 'assign', 'requestFinish'];

/** Apps listed per page when sweeping every auto app. */
const APPS_PAGE = 500;

export interface AutoAssign {
  /** Resolves once a drain that started after this call has finished (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startAutoAssign(deps: Deps, options: { sweepMs?: number } = {}): AutoAssign {
  const log = deps.logger.child({ job: 'autoAssign' });
  const sweepMs = options.sweepMs ?? AUTO_ASSIGN_SWEEP_MS;
  const dirty = new Set<string>();
  let nextSweep = 0;

  async function autoApps(): Promise<string[]> {
    const found: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await deps.store.accounts.listApps({ num: APPS_PAGE, after });
      for (const app of page) if (app.routing === 'auto') found.push(app.identify);
      if (page.length < APPS_PAGE) return found;
      after = page[page.length - 1]!.identify;
    }
  }

  async function drain(): Promise<void> {
    const sweep = Date.now() >= nextSweep;
    if (sweep) nextSweep = Date.now() + sweepMs;
    const apps = new Set(dirty);
    dirty.clear();
    if (sweep) for (const identify of await autoApps()) apps.add(identify);
    for (const identify of apps) {
      try {
        await autoAssigner(deps, { identify });
      } catch (error) {
        // Left for the next trigger or sweep; the others still drain.
        log.warn({ err: error, identify }, 'auto-assign drain failed');
      }
    }
  }

  const worker = startPollingWorker(drain, { intervalMs: sweepMs, onError: (error) => log.warn({ err: error }, 'auto-assign round failed') });
  const mark = (identifies: Iterable<string>) => {
    for (const identify of identifies) dirty.add(identify);
    worker.wake();
  };
  const agentApps = (servId: string) =>
    deps.store.accounts.getAgent(servId).then(
      (agent) => mark(agent?.identifies ?? []),
      (error) => log.warn({ err: error, servId }, 'reading an agent for auto-assign failed'),
    );

  function follow(event: DomainEvent): void {
    switch (event.type) {
      case 'question.created':
        return mark([event.question.identify]);
      case 'question.transitioned':
        if (!TAKES.includes(event.transition)) mark([event.question.identify]);
        return;
      case 'agent.presence':
        if (event.presence === 'online') void agentApps(event.servId);
        return;
      case 'accounts.changed':
        for (const change of event.changes) {
          if (change.kind === 'agent') void agentApps(change.key);
        }
        return;
      case 'app.routing':
        if (event.routing === 'auto') mark([event.identify]);
        return;
      default:
        return;
    }
  }
  const unsubscribe = deps.events.subscribe(follow);

  return {
    idle: () => worker.settled(),
    async stop() {
      unsubscribe();
      await worker.stop();
    },
  };
}
