/**
 * The team of the signed-in agent (state/team.ts), kept live: presence from `agent:presence`, loads
 * reloaded when a question changes hands (`question:updated`) and after a reconnect. `choose` sets
 * the agent's own online/away.
 */
import { useCallback, useEffect, useState } from 'react';
import { unwrap, type KefuClient } from '../common/session.js';
import { useSocketEvents } from '../common/useSocketEvents.js';
import { applyPresence, mergeTeams, type AgentPresence, type AgentSummary, type Team } from '../state/team.js';

export function useTeam(client: KefuClient, servId: string, identifies: string[]) {
  const [team, setTeam] = useState<Team>([]);
  const apps = identifies.join('\n');

  const reload = useCallback(async () => {
    try {
      const lists = await Promise.all(
        apps.split('\n').map(async (identify) => unwrap(await client.request<{ agents: AgentSummary[] }>('GET', '/serv/agents', { identify })).agents),
      );
      setTeam(mergeTeams(lists));
    } catch {
      // Offline: the reconnect reloads.
    }
  }, [client, apps]);

  useEffect(() => void reload(), [reload]);
  const onChanged = () => void reload();
  useSocketEvents(client.socket, {
    'agent:presence': (event) => setTeam((current) => applyPresence(current, event)),
    'question:updated': onChanged,
    connect: onChanged,
  });

  const choose = useCallback(
    async (status: 'online' | 'away') => {
      const { presence } = unwrap(await client.request<{ presence: AgentPresence }>('POST', '/serv/status', { serv_id: servId, status }));
      setTeam((current) => applyPresence(current, { serv_id: servId, presence }));
    },
    [client, servId],
  );

  const self = team.find((agent) => agent.serv_id === servId) ?? null;
  return { team, self, choose, reload };
}
