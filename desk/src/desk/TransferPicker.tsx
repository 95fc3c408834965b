/**
 * The Transfer button of a conversation the agent serves and its picker: the eligible agents of the
 * question's app (state/transfer.ts) with their load, loaded when it opens and kept live by
 * `agent:presence` and `question:updated`. Picking one hands the question over.
 */
import { useCallback, useEffect, useState } from 'react';
import { useT } from '../common/i18n.js';
import { ReplyError, unwrap, type KefuClient } from '../common/session.js';
import { useSocketEvents } from '../common/useSocketEvents.js';
import { applyPresence, capacityLabel, type AgentSummary } from '../state/team.js';
import { eligibleTargets, transferRefusal } from '../state/transfer.js';

interface Props {
  client: KefuClient;
  servId: string;
  questionId: string;
  identify: string;
  /** The question went to another agent. */
  onTransferred: () => void;
  onError: (message: string) => void;
}

export function TransferPicker({ client, servId, questionId, identify, onTransferred, onError }: Props) {
  const { t } = useT();
  const [open, setOpen] = useState(false);
  const [agents, setAgents] = useState<AgentSummary[]>([]);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async () => {
    try {
      setAgents(unwrap(await client.request<{ agents: AgentSummary[] }>('GET', '/serv/agents', { identify })).agents);
    } catch {
      // Offline: the picker shows what it had; the next open reloads.
    }
  }, [client, identify]);

  // Live only while open: a closed picker shows nothing to keep current.
  useSocketEvents(open ? client.socket : null, {
    'agent:presence': (event) => setAgents((current) => applyPresence(current, event)),
    'question:updated': () => void reload(),
  });
  useEffect(() => {
    if (open) void reload();
  }, [open, reload]);

  const transfer = async (to: string) => {
    setBusy(true);
    try {
      unwrap(await client.request('POST', `/question/${questionId}/transfer`, { serv_id: servId, to_serv_id: to }));
      setOpen(false);
      onTransferred();
    } catch (e) {
      const key = e instanceof ReplyError ? transferRefusal(e.body.error) : null;
      onError(key ? t(key) : t('genericError', { e: e instanceof Error ? e.message : String(e) }));
      void reload();
    } finally {
      setBusy(false);
    }
  };

  const eligible = eligibleTargets(agents, servId);
  return (
    <div className="transfer">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="transfer">
        {t('transfer')}
      </button>
      {open && (
        <div className="transfer-picker card" role="dialog" aria-label={t('transferTo')}>
          <p className="muted">{t('transferPick')}</p>
          {eligible.length === 0 ? (
            <p className="muted" data-testid="transfer-none">
              {t('transferNone')}
            </p>
          ) : (
            <ul className="plain">
              {eligible.map((agent) => (
                <li key={agent.serv_id}>
                  <button type="button" disabled={busy} onClick={() => void transfer(agent.serv_id)} data-testid={`transfer-to-${agent.serv_id}`}>
                    <span className="agent-name">{agent.name || agent.serv_id}</span>
                    <span className="agent-load"> · {capacityLabel(agent)}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
