/** Everything a command, route or job needs, passed explicitly: no module-level singletons. */
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { ActorCache } from './domain/actorCache.js';
import type { DomainEvents } from './domain/events.js';
import type { AgentPresence } from './realtime/agentPresence.js';
import type { Store } from './stores/types.js';

export interface Deps {
  config: Config;
  store: Store;
  events: DomainEvents;
  logger: Logger;
  /** Recently resolved sessions (resolveActor); provisioning changes drop entries on every node. */
  actors: ActorCache;
  /** Agents' presence: in Redis across nodes when REDIS_URL is set, else in this process. */
  presence: AgentPresence;
  /** Float seconds since the epoch; tests may move it. */
  now: () => number;
}

export const systemClock = () => Date.now() / 1000;
