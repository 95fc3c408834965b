/**
 * The reports view (issue 13): for one app (a picker when the agent serves several) and a date
 * range (the last 30 days unless changed), the totals, questions per day, first-response and
 * resolution time per day (median and p90), a per-agent table, and a CSV download. The desk offers
 * it to supervisors (GET /serv/agents carries the role); a role taken away meanwhile answers 403,
 * which shows "only supervisors".
 */
import { useEffect, useState } from 'react';
import type { ReportSummary } from '../../../shared/schemas/responses.js';
import { useT, type Translate } from '../common/i18n.js';
import { ReplyError, unwrap, type KefuClient } from '../common/session.js';
import { agentRows, countSeries, csvFileName, daysBetween, defaultRange, durationSeries, formatCsat, formatSeconds, type ReportGroup } from '../state/reports.js';
import { CountChart, DurationChart } from './Charts.js';

type Loaded = { state: 'loading' } | { state: 'forbidden' } | { state: 'invalid' } | { state: 'error'; message: string } | { state: 'ready'; byDay: ReportSummary; byAgent: ReportSummary };

interface Props {
  client: KefuClient;
  session: string;
  identifies: string[];
  onClose: () => void;
}

export function Reports({ client, session, identifies, onClose }: Props) {
  const { t } = useT();
  const [identify, setIdentify] = useState(identifies[0] ?? '');
  const [range, setRange] = useState(() => defaultRange(Date.now() / 1000));
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });

  useEffect(() => {
    let cancelled = false;
    setLoaded({ state: 'loading' });
    const get = async (groupBy: 'day' | 'agent') =>
      unwrap(await client.request<ReportSummary>('GET', '/reports/summary', { identify, from: range.from, to: range.to, group_by: groupBy }));
    Promise.all([get('day'), get('agent')])
      .then(([byDay, byAgent]) => !cancelled && setLoaded({ state: 'ready', byDay, byAgent }))
      .catch((e: unknown) => {
        if (cancelled) return;
        if (e instanceof ReplyError && e.body.error === 'forbidden') setLoaded({ state: 'forbidden' });
        else if (e instanceof ReplyError && e.body.error === 'param_invalid') setLoaded({ state: 'invalid' });
        else setLoaded({ state: 'error', message: e instanceof Error ? e.message : String(e) });
      });
    return () => void (cancelled = true);
  }, [client, identify, range.from, range.to]);

  const download = async () => {
    // The session goes in a header (the API takes X-Session); a Blob URL hands the file over.
    const query = new URLSearchParams({ identify, from: range.from, to: range.to, group_by: 'agent', format: 'csv' });
    const response = await fetch(`/v1/reports/summary?${query}`, { headers: { 'x-session': session } });
    if (!response.ok || !response.headers.get('content-type')?.startsWith('text/csv')) {
      setLoaded(response.status === 403 ? { state: 'forbidden' } : { state: 'error', message: `HTTP ${response.status}` });
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = csvFileName(identify, range.from, range.to, 'agent');
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <main className="reports" aria-labelledby="reports-title" data-testid="reports">
      <div className="reports-head">
        <h2 id="reports-title">{t('reportsTitle')}</h2>
        <button type="button" onClick={onClose}>
          ← {t('closeReports')}
        </button>
      </div>
      <form className="report-filters card" onSubmit={(e) => e.preventDefault()}>
        {identifies.length > 1 && (
          <label>
            {t('app')}
            <select value={identify} onChange={(e) => setIdentify(e.target.value)}>
              {identifies.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {t('reportFrom')}
          <input type="date" value={range.from} max={range.to} onChange={(e) => e.target.value && setRange({ ...range, from: e.target.value })} />
        </label>
        <label>
          {t('reportTo')}
          <input type="date" value={range.to} min={range.from} onChange={(e) => e.target.value && setRange({ ...range, to: e.target.value })} />
        </label>
        <button type="button" onClick={() => void download()} disabled={loaded.state !== 'ready'}>
          {t('downloadCsv')}
        </button>
      </form>
      {loaded.state === 'loading' && <p className="muted">{t('reportLoading')}</p>}
      {loaded.state === 'forbidden' && (
        <p className="notice card" role="alert" data-testid="reports-forbidden">
          {t('reportOnlySupervisors')}
        </p>
      )}
      {loaded.state === 'invalid' && (
        <p className="error" role="alert">
          {t('reportBadRange')}
        </p>
      )}
      {loaded.state === 'error' && (
        <p className="error" role="alert">
          {t('genericError', { e: loaded.message })}
        </p>
      )}
      {loaded.state === 'ready' && <ReportBody byDay={loaded.byDay} byAgent={loaded.byAgent} from={range.from} to={range.to} />}
    </main>
  );
}

function ReportBody({ byDay, byAgent, from, to }: { byDay: ReportSummary; byAgent: ReportSummary; from: string; to: string }) {
  const { t, lang } = useT();
  const days = daysBetween(from, to);
  const total = byDay.total;
  return (
    <>
      <dl className="totals card" aria-label={t('totals')} data-testid="totals">
        {(
          [
            ['asked', total.asked],
            ['served', total.served],
            ['resolved', total.resolved],
            ['timedOut', total.timed_out],
            ['reopened', total.reopened],
            ['firstResponse', formatSeconds(total.first_response_time.median, lang)],
            ['resolutionTime', formatSeconds(total.resolution_time.median, lang)],
            ['csat', formatCsat(total.csat, lang)],
          ] as const
        ).map(([key, value]) => (
          <div key={key} data-testid={`total-${key}`}>
            <dt>{t(key)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {total.asked + total.reopened === 0 && <p className="muted">{t('noData')}</p>}
      <div className="charts">
        <CountChart points={countSeries(byDay.groups, days)} label={t('perDayLabel', { from, to })} />
        <DurationChart
          points={durationSeries(byDay.groups, days, 'first_response_time')}
          title={t('firstResponsePerDay')}
          label={t('durationLabel', { what: t('firstResponse'), from, to })}
          testId="first-response-table"
        />
        <DurationChart
          points={durationSeries(byDay.groups, days, 'resolution_time')}
          title={t('resolutionPerDay')}
          label={t('durationLabel', { what: t('resolutionTime'), from, to })}
          testId="resolution-table"
        />
      </div>
      <AgentTable groups={agentRows(byAgent.groups)} t={t} />
    </>
  );
}

function AgentTable({ groups, t }: { groups: ReportGroup[]; t: Translate }) {
  const { lang } = useT();
  const d = (v: number | null) => formatSeconds(v, lang);
  return (
    <section className="card" aria-labelledby="per-agent-title">
      <h3 id="per-agent-title">{t('perAgent')}</h3>
      {/* Focusable, so a keyboard can scroll a table wider than the screen. */}
      <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="per-agent-title">
        <table className="agents-table" data-testid="agents-table">
          <thead>
            <tr>
              <th scope="col">{t('agentCol')}</th>
              <th scope="col">{t('asked')}</th>
              <th scope="col">{t('served')}</th>
              <th scope="col">{t('resolved')}</th>
              <th scope="col">{t('timedOut')}</th>
              <th scope="col">{t('reopened')}</th>
              <th scope="col">
                {t('firstResponse')} {t('median')}
              </th>
              <th scope="col">{t('firstResponse')} p90</th>
              <th scope="col">
                {t('resolutionTime')} {t('median')}
              </th>
              <th scope="col">{t('resolutionTime')} p90</th>
              <th scope="col">{t('csat')}</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.key ?? ''} data-agent={g.key ?? ''}>
                <th scope="row">{g.key ?? t('nobody')}</th>
                <td>{g.asked}</td>
                <td>{g.served}</td>
                <td>{g.resolved}</td>
                <td>{g.timed_out}</td>
                <td>{g.reopened}</td>
                <td>{d(g.first_response_time.median)}</td>
                <td>{d(g.first_response_time.p90)}</td>
                <td>{d(g.resolution_time.median)}</td>
                <td>{d(g.resolution_time.p90)}</td>
                <td>{formatCsat(g.csat, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
