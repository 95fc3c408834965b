/**
 * Agents' presence in Redis, shared by every node (REDIS_URL). Four keys, one hash slot (a Redis
 * Cluster runs the scripts too):
 *
 * | key | type | holds |
 * | --- | --- | --- |
 * | `<prefix>:{presence}:nodes` | sorted set | node id → when its heartbeat lapses (ms) |
 * | `<prefix>:{presence}:where` | hash | serv_id → JSON list of the nodes it has a socket on |
 * | `<prefix>:{presence}:agents` | hash | node id → JSON list of its connected agents (to forget a dead node) |
 * | `<prefix>:{presence}:away` | set | the agents that chose away |
 *
 * An agent is connected while any node on its list has a live heartbeat, so a node that dies stops
 * counting within the TTL, at once for every reader. Every change runs as one Lua script, atomic
 * against every other node's, so exactly one node sees (and announces) each edge: the node whose
 * change made an agent's live-node count go from 0 to more or back, or the first live node to
 * forget a dead one, which announces the agents that went offline with it.
 */
import type { Redis } from 'ioredis';
import { PRESENCE_HEARTBEAT_MS, type ChosenStatus, type Presence, type PresenceBackend, type PresenceEdge } from './agentPresence.js';

/** A node whose heartbeat is older than this is gone: three missed heartbeats, well inside 30 s. */
export const PRESENCE_TTL_MS = 3 * PRESENCE_HEARTBEAT_MS;

const COMMON = `
local nodes, where, agents, away = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now = tonumber(ARGV[1])
local function list(key, field)
  local raw = redis.call('HGET', key, field)
  if raw then return cjson.decode(raw) end
  return {}
end
local function store(key, field, items)
  if #items == 0 then redis.call('HDEL', key, field) else redis.call('HSET', key, field, cjson.encode(items)) end
end
local function without(items, item)
  local kept = {}
  for _, value in ipairs(items) do if value ~= item then kept[#kept + 1] = value end end
  return kept
end
local function live(node)
  local lapses = redis.call('ZSCORE', nodes, node)
  return lapses ~= false and tonumber(lapses) >= now
end
local function connected(serv)
  for _, node in ipairs(list(where, serv)) do if live(node) then return true end end
  return false
end
local function presence(serv, isConnected)
  if not isConnected then return 'offline' end
  if redis.call('SISMEMBER', away, serv) == 1 then return 'away' end
  return 'online'
end
`;

/**
 * ARGV: now, ttl, node, JSON list of the node's connected agents. Sets the node's list, refreshes its
 * heartbeat, forgets lapsed nodes; returns [serv_id, presence, …] for every agent whose presence
 * changed for readers (an agent of a lapsed node counts as announced connected until forgotten).
 */
const SYNC = `${COMMON}
local ttl, node = tonumber(ARGV[2]), ARGV[3]
local wanted = cjson.decode(ARGV[4])
local before, touched, edges = {}, {}, {}
local function touch(serv, was)
  if before[serv] == nil then before[serv] = was; touched[#touched + 1] = serv end
end
for _, serv in ipairs(list(agents, node)) do touch(serv, connected(serv)) end
for _, serv in ipairs(wanted) do touch(serv, connected(serv)) end
for _, serv in ipairs(list(agents, node)) do store(where, serv, without(list(where, serv), node)) end
for _, serv in ipairs(wanted) do
  local nodesOf = without(list(where, serv), node)
  nodesOf[#nodesOf + 1] = node
  store(where, serv, nodesOf)
end
store(agents, node, wanted)
if ttl > 0 then redis.call('ZADD', nodes, now + ttl, node) else redis.call('ZREM', nodes, node) end
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', nodes, '-inf', '(' .. now)) do
  if dead ~= node then
    for _, serv in ipairs(list(agents, dead)) do
      touch(serv, true)
      store(where, serv, without(list(where, serv), dead))
    end
    redis.call('HDEL', agents, dead)
    redis.call('ZREM', nodes, dead)
  end
end
for _, serv in ipairs(touched) do
  local is = connected(serv)
  if is ~= before[serv] then
    edges[#edges + 1] = serv
    edges[#edges + 1] = presence(serv, is)
  end
end
return edges
`;

/** ARGV: now, serv_id, 'away' | 'online'. Returns [presence, changed (1/0)]. */
const CHOOSE = `${COMMON}
local serv, status = ARGV[2], ARGV[3]
local is = connected(serv)
local was = presence(serv, is)
if status == 'away' then redis.call('SADD', away, serv) else redis.call('SREM', away, serv) end
local now_ = presence(serv, is)
local changed = 0
if now_ ~= was then changed = 1 end
return { now_, changed }
`;

/** ARGV: now, JSON list of serv_ids. Returns their presences in order. */
const READ = `${COMMON}
local result = {}
for i, serv in ipairs(cjson.decode(ARGV[2])) do result[i] = presence(serv, connected(serv)) end
return result
`;

type PresenceCommands = {
  kefuPresenceSync(nodes: string, where: string, agents: string, away: string, now: number, ttl: number, node: string, servIds: string): Promise<string[]>;
  kefuPresenceChoose(nodes: string, where: string, agents: string, away: string, now: number, servId: string, status: string): Promise<[string, number]>;
  kefuPresenceRead(nodes: string, where: string, agents: string, away: string, now: number, servIds: string): Promise<string[]>;
};

function pairs(flat: string[]): PresenceEdge[] {
  const edges: PresenceEdge[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) edges.push({ servId: flat[i]!, presence: flat[i + 1] as Presence });
  return edges;
}

/**
 * The Redis backend of one node. Commands run on the node's command connection, which fails fast
 * while Redis is away: the tracker then retries at the next heartbeat, and its whole-set sync puts
 * Redis right again once it is back.
 */
export function redisPresence(client: Redis, options: { nodeId: string; prefix?: string; ttlMs?: number; now?: () => number }): PresenceBackend {
  const prefix = `${options.prefix ?? 'kefu'}:{presence}`;
  const keys = [`${prefix}:nodes`, `${prefix}:where`, `${prefix}:agents`, `${prefix}:away`] as const;
  const ttl = options.ttlMs ?? PRESENCE_TTL_MS;
  const now = options.now ?? Date.now;
  const redis = client as Redis & Partial<PresenceCommands>;
  if (!redis.kefuPresenceSync) {
    client.defineCommand('kefuPresenceSync', { numberOfKeys: 4, lua: SYNC });
    client.defineCommand('kefuPresenceChoose', { numberOfKeys: 4, lua: CHOOSE });
    client.defineCommand('kefuPresenceRead', { numberOfKeys: 4, lua: READ });
  }
  const commands = client as Redis & PresenceCommands;
  // cjson encodes an empty Lua table as {}: the scripts never encode an empty list (they delete it).
  const sync = async (servIds: string[], ttlMs: number) =>
    pairs(await commands.kefuPresenceSync(...keys, now(), ttlMs, options.nodeId, JSON.stringify([...new Set(servIds)])));

  return {
    async presenceOf(servIds) {
      if (servIds.length === 0) return new Map();
      const found = await commands.kefuPresenceRead(...keys, now(), JSON.stringify(servIds));
      return new Map(servIds.map((servId, i) => [servId, found[i] as Presence]));
    },
    async choose(servId, status: ChosenStatus) {
      const [presence, changed] = await commands.kefuPresenceChoose(...keys, now(), servId, status);
      return { presence: presence as Presence, changed: changed === 1 };
    },
    sync: (servIds) => sync(servIds, ttl),
    leave: () => sync([], 0),
  };
}
