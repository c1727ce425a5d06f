import { queryString } from '../api.js';
import { LineChart, StackedBars, type BarRow } from '../components/charts.js';
import { DateText, ErrorMessage, Field, Loading, Money } from '../components/common.js';
import { today } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { Dashboard } from '../types.js';
import { useApi } from '../useApi.js';
import { agingHref, bucketLimitsText, customerHref } from './links.js';

export function DashboardPage() {
  const { companies } = useSession();
  const { query } = useLocation();
  const company = query.get('company') ?? '';
  const asOf = query.get('asOf') ?? '';
  const { data, error, loading } = useApi<Dashboard>(companies.length === 0 ? null : `/dashboard${queryString({ company, asOf })}`);

  const setParam = (name: string, value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    navigate(`/${next.size > 0 ? `?${next.toString()}` : ''}`, { replace: true });
  };

  if (companies.length === 0) {
    return (
      <section>
        <h1>Dashboard</h1>
        <p>
          There is no company to show yet. <Link href="/imports">Import an AR ledger</Link> to start.
        </p>
      </section>
    );
  }

  return (
    <section>
      <h1>Dashboard</h1>
      <form className="toolbar" onSubmit={(event) => event.preventDefault()}>
        <Field label="Company" htmlFor="dashboard-company">
          <select id="dashboard-company" value={company || data?.company || ''} onChange={(event) => setParam('company', event.target.value)}>
            {companies.map((entry) => (
              <option key={entry.code} value={entry.code}>
                {entry.code} – {entry.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="As of" htmlFor="dashboard-as-of">
          <input
            id="dashboard-as-of"
            type="date"
            value={asOf || data?.asOf || today()}
            onChange={(event) => setParam('asOf', event.target.value)}
          />
        </Field>
      </form>
      <Loading when={loading} />
      <ErrorMessage error={error} />
      {data ? <DashboardBody dashboard={data} /> : null}
    </section>
  );
}

function DashboardBody({ dashboard }: { dashboard: Dashboard }) {
  const { company, currency, asOf } = dashboard;
  const buckets = bucketLimitsText(dashboard.buckets);
  const aging = (extra: { by?: string; key?: string; bucket?: number } = {}) =>
    agingHref({ company, asOf, buckets, ...extra });

  const agingRows: BarRow[] = [
    {
      label: company,
      segments: dashboard.buckets.map((bucket, index) => ({ label: bucket.label, amount: bucket.amount, href: aging({ bucket: index }) })),
    },
  ];
  const regionRows: BarRow[] = dashboard.byRegion.map((region) => ({
    label: region.region ?? '(none)',
    segments: region.buckets.map((amount, index) => ({
      label: dashboard.buckets[index]?.label ?? String(index),
      amount,
      href: aging({ by: 'region', key: region.region ?? '', bucket: index }),
    })),
  }));

  return (
    <>
      <p className="muted">
        {company} as of <DateText value={asOf} />, amounts in {currency}
      </p>
      <div className="tiles">
        <Link className="tile" href={aging()}>
          <span className="tile-label">Total AR</span>
          <Money amount={dashboard.totalAr} currency={currency} />
        </Link>
        <Link className="tile" href={aging()}>
          <span className="tile-label">Overdue</span>
          <Money amount={dashboard.overdue} currency={currency} />
          <span className="tile-note">{dashboard.overduePercent === null ? '–' : `${dashboard.overduePercent} % of AR`}</span>
        </Link>
        <Link className="tile" href={aging()}>
          <span className="tile-label">DSO{dashboard.dsoMonth ? `, ${dashboard.dsoMonth}` : ''}</span>
          <span className="number">{dashboard.dso === null ? '–' : `${dashboard.dso} days`}</span>
        </Link>
        <Link className="tile" href={aging({ bucket: 0 })}>
          <span className="tile-label">Best possible DSO</span>
          <span className="number">{dashboard.bestPossibleDso === null ? '–' : `${dashboard.bestPossibleDso} days`}</span>
        </Link>
      </div>

      <div className="panels">
        <section className="panel">
          <h2>DSO, last 12 months</h2>
          <LineChart
            title="DSO and best possible DSO by month"
            labels={dashboard.trend.map((point) => point.month)}
            series={[
              // A month in progress has only part of its sales, which inflates its DSO: it is left out.
              { name: 'DSO', className: 'series-0', values: dashboard.trend.map((point) => (point.inProgress ? null : point.dso)) },
              {
                name: 'Best possible DSO',
                className: 'series-1',
                values: dashboard.trend.map((point) => (point.inProgress ? null : point.bestPossibleDso)),
              },
            ]}
          />
          {dashboard.trend.some((point) => point.inProgress) ? (
            <p className="muted note">
              Not drawn, because still in progress:{' '}
              {dashboard.trend
                .filter((point) => point.inProgress)
                .map((point) => point.month)
                .join(', ')}
              .
            </p>
          ) : null}
        </section>
        <section className="panel">
          <h2>Aging</h2>
          <StackedBars title="Open AR by aging bucket" rows={agingRows} currency={currency} />
          <table className="compact">
            <tbody>
              {dashboard.buckets.map((bucket, index) => (
                <tr key={bucket.label}>
                  <th scope="row">{bucket.label}</th>
                  <td className="num">
                    <Link href={aging({ bucket: index })} data-bucket={index}>
                      <Money amount={bucket.amount} currency={currency} />
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>

      <div className="panels">
        <section className="panel">
          <h2>Top overdue customers</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col" className="num">
                  Overdue
                </th>
                <th scope="col" className="num">
                  Balance
                </th>
              </tr>
            </thead>
            <tbody>
              {dashboard.topOverdue.map((customer) => (
                <tr key={customer.customerId}>
                  <td>
                    <Link href={customerHref(customer.customerId, company, asOf)}>
                      {customer.customerNumber} {customer.name}
                    </Link>
                  </td>
                  <td className="num">
                    <Link href={customerHref(customer.customerId, company, asOf)}>
                      <Money amount={customer.overdue} currency={currency} />
                    </Link>
                  </td>
                  <td className="num">
                    <Link href={aging({ by: 'customer', key: customer.customerNumber })}>
                      <Money amount={customer.balance} currency={currency} />
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="panel">
          <h2>By region</h2>
          <StackedBars title="Open AR by region and aging bucket" rows={regionRows} currency={currency} />
          <table>
            <thead>
              <tr>
                <th scope="col">Region</th>
                <th scope="col" className="num">
                  Overdue
                </th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {dashboard.byRegion.map((region) => (
                <tr key={region.region ?? ''}>
                  <td>{region.region ?? '(none)'}</td>
                  <td className="num">
                    <Link href={aging({ by: 'region', key: region.region ?? '' })}>
                      <Money amount={region.overdue} currency={currency} />
                    </Link>
                  </td>
                  <td className="num">
                    <Link href={aging({ by: 'region', key: region.region ?? '' })}>
                      <Money amount={region.total} currency={currency} />
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </>
  );
}
