/**
 * The reports' two small hand-written SVG charts (no chart library: the desk's JS budget): bars of
 * questions asked and resolved per day, and lines of a duration's median and p90 per day. Each is a
 * figure with a caption, an SVG labelled for screen readers, and the same numbers as a table.
 */
import type { ReactNode } from 'react';
import { useT } from '../common/i18n.js';
import { durationAxis, formatAxisSeconds, formatSeconds, niceAxis, type CountPoint, type DurationPoint } from '../state/reports.js';

const W = 640;
const H = 200;
const PAD = { left: 80, right: 8, top: 16, bottom: 34 };
const plotW = W - PAD.left - PAD.right;
const plotH = H - PAD.top - PAD.bottom;

/** Gridlines and y labels, and the first, middle and last day under the x axis. */
function Frame({ top, step, days, format }: { top: number; step: number; days: string[]; format: (v: number) => string }) {
  const marks: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) marks.push(v);
  const shown = days.length > 2 ? [0, Math.floor((days.length - 1) / 2), days.length - 1] : days.map((_, i) => i);
  const x = (i: number) => PAD.left + ((i + 0.5) * plotW) / Math.max(1, days.length);
  return (
    <g className="frame" aria-hidden="true">
      {marks.map((v) => {
        const y = PAD.top + plotH - (v / top) * plotH;
        return (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">
              {format(v)}
            </text>
          </g>
        );
      })}
      {shown.map((i, n) => (
        // The first and last day sit inside the plot's edges, so none is cut off.
        <text key={i} x={n === 0 ? PAD.left : n === shown.length - 1 ? W - PAD.right : x(i)} y={H - 6} textAnchor={n === 0 ? 'start' : n === shown.length - 1 ? 'end' : 'middle'}>
          {days[i]!.slice(5)}
        </text>
      ))}
    </g>
  );
}

function Figure({ title, label, legend, table, children }: { title: string; label: string; legend: ReactNode; table: ReactNode; children: ReactNode }) {
  const { t } = useT();
  return (
    <figure className="chart card">
      <figcaption>
        <strong>{title}</strong> <span className="legend">{legend}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {children}
      </svg>
      <details>
        <summary>{t('asTable')}</summary>
        <div className="table-scroll" tabIndex={0} role="region" aria-label={title}>
          {table}
        </div>
      </details>
    </figure>
  );
}

/** Asked and resolved side by side, one pair of bars per day. */
export function CountChart({ points, label }: { points: CountPoint[]; label: string }) {
  const { t } = useT();
  const { top, step } = niceAxis(Math.max(0, ...points.map((p) => Math.max(p.asked, p.resolved))));
  const slot = plotW / Math.max(1, points.length);
  const bar = Math.max(1, slot * 0.38);
  const h = (v: number) => (v / top) * plotH;
  return (
    <Figure
      title={t('perDay')}
      label={label}
      legend={
        <>
          <span className="key asked">■ {t('asked')}</span> <span className="key resolved">■ {t('resolved')}</span>
        </>
      }
      table={
        <table data-testid="per-day-table">
          <thead>
            <tr>
              <th scope="col">{t('day')}</th>
              <th scope="col">{t('asked')}</th>
              <th scope="col">{t('resolved')}</th>
            </tr>
          </thead>
          <tbody>
            {points
              .filter((p) => p.asked || p.resolved)
              .map((p) => (
                <tr key={p.day}>
                  <th scope="row">{p.day}</th>
                  <td>{p.asked}</td>
                  <td>{p.resolved}</td>
                </tr>
              ))}
          </tbody>
        </table>
      }
    >
      <Frame top={top} step={step} days={points.map((p) => p.day)} format={(v) => String(v)} />
      {points.map((p, i) => {
        const x = PAD.left + i * slot + slot / 2;
        return (
          <g key={p.day}>
            <rect className="bar asked" x={x - bar} y={PAD.top + plotH - h(p.asked)} width={bar} height={h(p.asked)}>
              <title>{`${p.day}: ${t('asked')} ${p.asked}`}</title>
            </rect>
            <rect className="bar resolved" x={x} y={PAD.top + plotH - h(p.resolved)} width={bar} height={h(p.resolved)}>
              <title>{`${p.day}: ${t('resolved')} ${p.resolved}`}</title>
            </rect>
          </g>
        );
      })}
    </Figure>
  );
}

/** A duration's median and p90 per day as two lines; a day without measurements is a gap. */
export function DurationChart({ points, title, label, testId }: { points: DurationPoint[]; title: string; label: string; testId: string }) {
  const { t, lang } = useT();
  const { top, step, unit } = durationAxis(Math.max(0, ...points.map((p) => p.p90 ?? p.median ?? 0)));
  const slot = plotW / Math.max(1, points.length);
  const x = (i: number) => PAD.left + i * slot + slot / 2;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  /** One path per run of measured days. */
  const path = (pick: (p: DurationPoint) => number | null) => {
    let d = '';
    let pen = false;
    points.forEach((p, i) => {
      const v = pick(p);
      if (v === null) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const series = [
    { name: t('median'), cls: 'median', pick: (p: DurationPoint) => p.median },
    { name: t('p90'), cls: 'p90', pick: (p: DurationPoint) => p.p90 },
  ];
  return (
    <Figure
      title={title}
      label={label}
      legend={series.map((s) => (
        <span key={s.cls} className={`key ${s.cls}`}>
          ● {s.name}{' '}
        </span>
      ))}
      table={
        <table data-testid={testId}>
          <thead>
            <tr>
              <th scope="col">{t('day')}</th>
              <th scope="col">{t('median')}</th>
              <th scope="col">{t('p90')}</th>
            </tr>
          </thead>
          <tbody>
            {points
              .filter((p) => p.count > 0)
              .map((p) => (
                <tr key={p.day}>
                  <th scope="row">{p.day}</th>
                  <td>{formatSeconds(p.median, lang)}</td>
                  <td>{formatSeconds(p.p90, lang)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      }
    >
      <Frame top={top} step={step} days={points.map((p) => p.day)} format={(v) => formatAxisSeconds(v, unit, lang)} />
      {series.map((s) => (
        <g key={s.cls} className={`line ${s.cls}`}>
          <path d={path(s.pick)} />
          {points.map((p, i) => {
            const v = s.pick(p);
            return v === null ? null : (
              // The median's dot is larger, so it shows around a p90 of the same value.
              <circle key={p.day} cx={x(i)} cy={y(v)} r={s.cls === 'median' ? 5 : 3}>
                <title>{`${p.day}: ${s.name} ${formatSeconds(v, lang)}`}</title>
              </circle>
            );
          })}
        </g>
      ))}
    </Figure>
  );
}
