import { queryString } from '../api.js';
import { ColumnChart } from '../components/ColumnChart.js';
import { ErrorMessage, Field, Loading, Money } from '../components/common.js';
import { approximate, today } from '../format.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { CollectionsReport, CollectionsRow } from '../types.js';
import { useApi } from '../useApi.js';

/** Returns the first day of the month two months before a date, so the page opens on three months. */
function quarterStart(date: string): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7)) - 2;
  const shifted = month < 1 ? { year: year - 1, month: month + 12 } : { year, month };
  return `${shifted.year}-${String(shifted.month).padStart(2, '0')}-01`;
}

/** Names the colour of a share bar. */
function shareLevel(percent: number): string {
  if (percent >= 100) return 'high';
  if (percent >= 60) return 'medium';
  return 'low';
}

/** Draws the share of the target as a bar. Over 100 % the bar is full. */
function ShareBar({ share }: { share: string | null }) {
  if (share === null) return <span className="muted">no target</span>;
  const percent = approximate(share);
  return (
    <span className="confidence" data-share={share}>
      <span className="confidence-bar" aria-hidden="true">
        <span className={shareLevel(percent)} style={{ width: `${Math.min(100, Math.max(0, percent))}%` }} />
      </span>
      {share} %
    </span>
  );
}

function groupLabel(row: CollectionsRow, by: string[]): string {
  const parts = by.map((dimension) => (dimension === 'region' ? row.region : row.collector) ?? '(none)');
  return parts.join(' / ');
}

export function CollectionsPage() {
  const { companies } = useSession();
  const { query } = useLocation();
  const company = query.get('company') || companies[0]?.code || '';
  const to = query.get('to') || today();
  const from = query.get('from') || quarterStart(to);
  const by = query.get('by') === 'collector' ? 'collector' : 'region';
  const period = query.get('period') === 'day' ? 'day' : 'month';
  const params = { company, from, to, by, period };
  const report = useApi<CollectionsReport>(`/collections${queryString(params)}`);
  const go = (next: Partial<typeof params>) => navigate(`/collections${queryString({ ...params, ...next })}`, { replace: true });
  const data = report.data;
  // For days the target is the month's, so the bars compare the month to date with it.
  const actualOf = (row: CollectionsRow) => (period === 'day' ? (row.monthToDate ?? row.collected) : row.collected);

  return (
    <section>
      <h1>Collections</h1>
      <div className="toolbar">
        <Field label="Company" htmlFor="collections-company">
          <select id="collections-company" value={company} onChange={(event) => go({ company: event.target.value })}>
            {companies.map((entry) => (
              <option key={entry.code} value={entry.code}>
                {entry.code} – {entry.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="From" htmlFor="collections-from">
          <input id="collections-from" type="date" value={from} onChange={(event) => go({ from: event.target.value })} />
        </Field>
        <Field label="To" htmlFor="collections-to">
          <input id="collections-to" type="date" value={to} onChange={(event) => go({ to: event.target.value })} />
        </Field>
        <Field label="By" htmlFor="collections-by">
          <select id="collections-by" value={by} onChange={(event) => go({ by: event.target.value })}>
            <option value="region">region</option>
            <option value="collector">collector</option>
          </select>
        </Field>
        <Field label="Per" htmlFor="collections-period">
          <select id="collections-period" value={period} onChange={(event) => go({ period: event.target.value })}>
            <option value="month">month</option>
            <option value="day">day</option>
          </select>
        </Field>
      </div>
      <Loading when={report.loading} />
      <ErrorMessage error={report.error} />
      {data ? (
        data.rows.length === 0 && data.totals.length === 0 ? (
          <p className="muted">Nothing collected in this period.</p>
        ) : (
          <>
            <ColumnChart
              currency={data.currency}
              title={`Collected against target per ${period}`}
              names={{ amount: period === 'day' ? 'Month to date' : 'Collected', target: 'Target' }}
              columns={data.totals.map((row) => ({ label: row.period, amount: actualOf(row), target: row.target }))}
            />
            <div className="table-scroll">
              <table className="compact collections">
                <thead>
                  <tr>
                    <th scope="col">{period === 'day' ? 'Day' : 'Month'}</th>
                    <th scope="col">{by === 'region' ? 'Region' : 'Collector'}</th>
                    <th scope="col" className="num">
                      Collected
                    </th>
                    {period === 'day' ? (
                      <th scope="col" className="num">
                        Month to date
                      </th>
                    ) : null}
                    <th scope="col" className="num">
                      Target
                    </th>
                    <th scope="col">Of target</th>
                  </tr>
                </thead>
                <tbody>
                  {data.rows.map((row) => (
                    <tr key={`${row.period}:${row.region ?? ''}:${row.collector ?? ''}`} data-period={row.period} data-group={groupLabel(row, data.by)}>
                      <td>{row.period}</td>
                      <td>{groupLabel(row, data.by)}</td>
                      <td className="num">
                        <Money amount={row.collected} currency={data.currency} />
                      </td>
                      {period === 'day' ? (
                        <td className="num">
                          <Money amount={row.monthToDate} currency={data.currency} />
                        </td>
                      ) : null}
                      <td className="num">
                        <Money amount={row.target} currency={data.currency} />
                      </td>
                      <td>
                        <ShareBar share={row.share} />
                      </td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  {data.totals.map((row) => (
                    <tr key={row.period} data-total={row.period}>
                      <td>{row.period}</td>
                      <td>All</td>
                      <td className="num">
                        <Money amount={row.collected} currency={data.currency} />
                      </td>
                      {period === 'day' ? (
                        <td className="num">
                          <Money amount={row.monthToDate} currency={data.currency} />
                        </td>
                      ) : null}
                      <td className="num">
                        <Money amount={row.target} currency={data.currency} />
                      </td>
                      <td>
                        <ShareBar share={row.share} />
                      </td>
                    </tr>
                  ))}
                </tfoot>
              </table>
            </div>
          </>
        )
      ) : null}
    </section>
  );
}
