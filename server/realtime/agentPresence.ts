/**
 * Agents' presence (issue 12): `online` while a socket of a session bound to the agent is connected
 * on any node and it has not chosen `away`; `away` when it chose so (and is connected); `offline`
 * otherwise. The state lives in a PresenceBackend: in this process without Redis, in Redis with it
 * (redisPresence.ts), where every node keeps its own set of connected agents under a heartbeat, so a
 * node that dies takes its agents' presence with it.
 *
 * Each node tracks its own sockets through the adapter's agent rooms (a socket of a bound session is
 * in `agent:<serv_id>`, re-homed when bindings change): a room created or deleted here is a change of
 * this node's set. A backend answers each change with the edges it caused (an agent that went online,
 * away or offline for everybody), and the tracker records them as domain events for the publisher.
 */
import type { AgentPresence as Presence } from '../../shared/schemas/responses.js';
import { roomKind } from '../../shared/rooms.js';
import type { Deps } from '../deps.js';
import { startPollingWorker } from '../pollingWorker.js';
import type { KefuServer } from './types.js';

export type { Presence };
export type ChosenStatus = 'online' | 'away';

/** A change of presence as everybody sees it. */
export interface PresenceEdge {
  servId: string;
  presence: Presence;
}

/** What commands and queries ask of presence, whichever backend keeps it. */
export interface AgentPresence {
  /** Each agent's presence now; unknown agents are offline. */
  presenceOf(servIds: string[]): Promise<Map<string, Presence>>;
  /** The agent chooses online or away; its presence now, and whether that changed it. */
  choose(servId: string, status: ChosenStatus): Promise<{ presence: Presence; changed: boolean }>;
}

/** Where presence lives; the tracker tells it this node's set of connected agents. */
export interface PresenceBackend extends AgentPresence {
  /**
   * This node's connected agents are now `servIds` (the whole set). Also refreshes this node's
   * heartbeat and forgets nodes whose heartbeat lapsed. Returns the edges this caused.
   */
  sync(servIds: string[]): Promise<PresenceEdge[]>;
  /** This node leaves (graceful stop): its agents count no more. Returns the edges. */
  leave(): Promise<PresenceEdge[]>;
}

const presenceFrom = (connected: boolean, away: boolean): Presence => (connected ? (away ? 'away' : 'online') : 'offline');

/**
 * Presence in this process: without Redis, sockets never span nodes, so this node's sockets are all
 * there is. The CLI uses an empty one (it holds no sockets: every agent is offline to it).
 */
export function localPresence(): PresenceBackend {
  let connected = new Set<string>();
  const away = new Set<string>();
  const of = (servId: string) => presenceFrom(connected.has(servId), away.has(servId));
  const sync = async (servIds: string[]): Promise<PresenceEdge[]> => {
    const next = new Set(servIds);
    const touched = new Set([...connected, ...next]);
    const before = new Map([...touched].map((servId) => [servId, of(servId)]));
    connected = next;
    return [...touched].filter((servId) => before.get(servId) !== of(servId)).map((servId) => ({ servId, presence: of(servId) }));
  };
  return {
    async presenceOf(servIds) {
      return new Map(servIds.map((servId) => [servId, of(servId)]));
    },
    async choose(servId, status) {
      const before = of(servId);
      if (status === 'away') away.add(servId);
      else away.delete(servId);
      const presence = of(servId);
      return { presence, changed: presence !== before };
    },
    sync,
    leave: () => sync([]),
  };
}

/** How often a node refreshes its heartbeat (and re-sends its whole set); the TTL is three of these. */
export const PRESENCE_HEARTBEAT_MS = 5_000;

export interface PresenceTracker {
  /** One sync of this node's set now (tests); the heartbeat runs one every PRESENCE_HEARTBEAT_MS. */
  sync(): Promise<void>;
  /** Leaves the backend (graceful stop), announcing the agents that went offline with this node. */
  stop(): Promise<void>;
}

/**
 * Follows this node's agent rooms and keeps the backend told. Every sync sends the whole current
 * set, runs one at a time, and a burst of room changes during one run makes one more run after it
 * (pollingWorker.ts); a sync that failed (Redis away) is repaired by the next heartbeat.
 */
export function trackPresence(io: KefuServer, deps: Deps, backend: PresenceBackend, options: { heartbeatMs?: number } = {}): PresenceTracker {
  const log = deps.logger.child({ job: 'presence' });
  const adapter = io.of('/').adapter;
  const localAgents = () => [...adapter.rooms.keys()].filter((room) => roomKind(room) === 'agent').map((room) => room.slice('agent:'.length));
  const announce = (edges: PresenceEdge[]) => {
    for (const edge of edges) deps.events.record({ type: 'agent.presence', servId: edge.servId, presence: edge.presence });
  };

  const worker = startPollingWorker(async () => announce(await backend.sync(localAgents())), {
    intervalMs: options.heartbeatMs ?? PRESENCE_HEARTBEAT_MS,
    onError: (error) => log.warn({ err: error }, 'updating presence failed; retrying at the next heartbeat'),
  });
  const onRoom = (room: string) => {
    if (roomKind(room) === 'agent') worker.wake();
  };
  adapter.on('create-room', onRoom);
  adapter.on('delete-room', onRoom);
  worker.wake();

  return {
    sync: () => worker.settled(),
    async stop() {
      adapter.off('create-room', onRoom);
      adapter.off('delete-room', onRoom);
      await worker.stop();
      try {
        announce(await backend.leave());
      } catch (error) {
        log.warn({ err: error }, 'leaving presence failed; the other nodes will let this node lapse');
      }
    },
  };
}
