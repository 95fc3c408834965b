/**
 * The header's team strip: the agent's own presence with its online/away toggle, its capacity
 * counter (load / max), and the other agents of its apps with their presence and load.
 */
import { useState } from 'react';
import { useT, type MessageKey } from '../common/i18n.js';
import { capacityLabel, hasRoom, onlineCount, type AgentSummary, type Team } from '../state/team.js';

interface Props {
  servId: string;
  team: Team;
  self: AgentSummary | null;
  choose: (status: 'online' | 'away') => Promise<void>;
}

export function TeamBar({ servId, team, self, choose }: Props) {
  const { t } = useT();
  const [busy, setBusy] = useState(false);
  const presence = self?.presence ?? 'offline';
  const away = presence === 'away';
  const toggle = async () => {
    setBusy(true);
    try {
      await choose(away ? 'online' : 'away');
    } catch {
      // Offline: the toggle stays as it was; the reconnect reloads the team.
    } finally {
      setBusy(false);
    }
  };
  const others = team.filter((agent) => agent.serv_id !== servId);
  const max = self && self.max_concurrent > 0 ? String(self.max_concurrent) : t('noLimit');
  return (
    <div className="team-bar">
      <span className={`presence p-${presence}`} data-testid="my-presence" aria-label={t('myPresence')}>
        {t(`presence_${presence}` as MessageKey)}
      </span>
      <button type="button" onClick={() => void toggle()} disabled={busy || presence === 'offline'} data-testid="presence-toggle">
        {away ? t('setOnline') : t('setAway')}
      </button>
      {self && (
        <span className={hasRoom(self) ? 'capacity' : 'capacity full'} data-testid="capacity" title={t('capacity', { load: self.load, max })}>
          {capacityLabel(self)}
        </span>
      )}
      <details className="team">
        <summary data-testid="team-summary">{t('team', { count: onlineCount(team, servId) })}</summary>
        <ul className="plain team-list" aria-label={t('teamList')}>
          {others.map((agent) => (
            <li key={agent.serv_id} data-testid={`agent-${agent.serv_id}`}>
              <span className={`dot p-${agent.presence}`} aria-hidden="true" />
              <span className="agent-name">{agent.name}</span>
              <span className="muted"> · {t(`presence_${agent.presence}` as MessageKey)}</span>
              <span className="agent-load" title={t('capacity', { load: agent.load, max: agent.max_concurrent > 0 ? String(agent.max_concurrent) : t('noLimit') })}>
                {capacityLabel(agent)}
              </span>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
