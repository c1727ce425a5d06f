import { Fragment, useEffect, useState } from 'react';
import { apiBase, get, queryString } from '../api.js';
import { DateText, ErrorMessage, Field, Loading, Money, Pager } from '../components/common.js';
import { downloadBlob, today, toCsv } from '../format.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { AgingItem, AgingReport, Paged } from '../types.js';
import { useApi } from '../useApi.js';
import { agingHref, customerHref } from './links.js';

const groupings = [
  ['customer', 'Customer'],
  ['group', 'Customer group'],
  ['country', 'Country'],
  ['region', 'Region'],
  ['collector', 'Collector'],
  ['currency', 'Item currency'],
  ['company', 'Company'],
] as const;
const namedGroupings = new Set(['customer', 'group', 'company', 'currency']);
const defaultBuckets = '0,30,60,90,120,180,365';
const itemsPageSize = 50;

interface AgingSettings {
  company: string;
  asOf: string;
  basis: string;
  by: string;
  buckets: string;
}

function readSettings(query: URLSearchParams): AgingSettings {
  return {
    company: query.get('company') ?? '',
    asOf: query.get('asOf') || today(),
    basis: query.get('basis') || 'due',
    by: query.get('by') || 'customer',
    buckets: query.get('buckets') || defaultBuckets,
  };
}

/** The report's query string: the same for the table, the items and the XLSX export. */
function reportQuery(settings: AgingSettings): string {
  return queryString({ ...settings });
}

export function AgingPage() {
  const { companies } = useSession();
  const { query } = useLocation();
  const settings = readSettings(query);
  const selectedKey = query.get('key');
  const bucketText = query.get('bucket');
  const selectedBucket = bucketText === null || bucketText === '' ? undefined : Number(bucketText);
  const report = useApi<AgingReport>(`/aging${reportQuery(settings)}`);
  const [bucketsDraft, setBucketsDraft] = useState(settings.buckets);
  useEffect(() => setBucketsDraft(settings.buckets), [settings.buckets]);

  const change = (next: Partial<AgingSettings>) => navigate(agingHref({ ...settings, ...next }), { replace: true });
  const select = (key: string | undefined, bucket: number | undefined) =>
    navigate(agingHref({ ...settings, key, bucket }));
  const showItems = selectedKey !== null || selectedBucket !== undefined;

  return (
    <section>
      <h1>Aging</h1>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          change({ buckets: bucketsDraft.replace(/\s+/g, '') });
        }}
      >
        <Field label="As of" htmlFor="aging-as-of">
          <input id="aging-as-of" type="date" required value={settings.asOf} onChange={(event) => event.target.value && change({ asOf: event.target.value })} />
        </Field>
        <Field label="Basis" htmlFor="aging-basis">
          <select id="aging-basis" value={settings.basis} onChange={(event) => change({ basis: event.target.value })}>
            <option value="due">Due date</option>
            <option value="document">Document date</option>
          </select>
        </Field>
        <Field label="Group by" htmlFor="aging-by">
          <select id="aging-by" value={settings.by} onChange={(event) => change({ by: event.target.value })}>
            {groupings.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Company" htmlFor="aging-company">
          <select id="aging-company" value={settings.company} onChange={(event) => change({ company: event.target.value })}>
            <option value="">All companies</option>
            {companies.map((company) => (
              <option key={company.code} value={company.code}>
                {company.code} – {company.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Bucket limits (days)" htmlFor="aging-buckets">
          <input
            id="aging-buckets"
            value={bucketsDraft}
            inputMode="numeric"
            pattern="\s*\d+(\s*,\s*\d+)*\s*"
            title="Ascending day limits separated by commas, such as 0,30,60,90"
            onChange={(event) => setBucketsDraft(event.target.value)}
            onBlur={() => bucketsDraft !== settings.buckets && change({ buckets: bucketsDraft.replace(/\s+/g, '') })}
          />
        </Field>
        <button type="submit">Apply</button>
      </form>
      <Loading when={report.loading} />
      <ErrorMessage error={report.error} />
      {report.data ? (
        <>
          <ExportButtons report={report.data} settings={settings} />
          <AgingTable report={report.data} by={settings.by} selectedKey={selectedKey} selectedBucket={selectedBucket} onSelect={select} />
        </>
      ) : null}
      {showItems && report.data ? (
        <AgingItems
          report={report.data}
          settings={settings}
          itemKey={selectedKey}
          bucket={selectedBucket}
          onClose={() => select(undefined, undefined)}
        />
      ) : null}
    </section>
  );
}

function keyHeader(by: string): string {
  return groupings.find(([value]) => value === by)?.[1] ?? 'Key';
}

function totalsOf(report: AgingReport): { currency: string; amounts: string[]; total: string; disputed: string }[] {
  if (report.total) return [{ currency: report.currency, ...report.total }];
  return report.totals ?? [];
}

/** Header and rows of the table as shown, for the CSV export. */
function tableCells(report: AgingReport, by: string): { header: string[]; rows: (string | null)[][] } {
  const named = namedGroupings.has(by);
  const header = [keyHeader(by), ...(named ? ['Name'] : []), 'Currency', ...report.buckets.map((bucket) => bucket.label), 'Disputed (in buckets)', 'Total'];
  const rows = report.rows.map((row) => [row.key, ...(named ? [row.name] : []), row.currency, ...row.amounts, row.disputed, row.total]);
  for (const total of totalsOf(report)) {
    rows.push(['Total', ...(named ? [null] : []), total.currency, ...total.amounts, total.disputed, total.total]);
  }
  return { header, rows };
}

function ExportButtons({ report, settings }: { report: AgingReport; settings: AgingSettings }) {
  const fileName = `aging-${settings.company || 'all'}-${settings.asOf}`;
  const exportCsv = () => {
    const { header, rows } = tableCells(report, settings.by);
    downloadBlob(new Blob([toCsv(header, rows)], { type: 'text/csv;charset=utf-8' }), `${fileName}.csv`);
  };
  return (
    <div className="actions">
      <button type="button" onClick={exportCsv}>
        Export CSV
      </button>
      <a className="button" href={`${apiBase}/exports/aging.xlsx${reportQuery(settings)}`} download={`${fileName}.xlsx`}>
        Export XLSX
      </a>
    </div>
  );
}

function AgingTable({
  report,
  by,
  selectedKey,
  selectedBucket,
  onSelect,
}: {
  report: AgingReport;
  by: string;
  selectedKey: string | null;
  selectedBucket: number | undefined;
  onSelect(key: string | undefined, bucket: number | undefined): void;
}) {
  const named = namedGroupings.has(by);
  const cell = (key: string | undefined, bucket: number | undefined, amount: string, currency: string, label: string) => {
    const selected = (key ?? null) === selectedKey && bucket === selectedBucket;
    return (
      <td className={selected ? 'num selected' : 'num'}>
        <button
          type="button"
          className="cell"
          data-key={key}
          data-bucket={bucket}
          aria-label={`${label}: ${amount} ${currency}, show the items`}
          onClick={() => onSelect(key, bucket)}
        >
          <Money amount={amount} currency={currency} />
        </button>
      </td>
    );
  };
  return (
    <div className="table-scroll">
      <table className="aging">
        <caption>
          Aging as of <DateText value={report.asOf} /> by {keyHeader(by).toLowerCase()}, {report.basis === 'due' ? 'due date' : 'document date'} basis
        </caption>
        <thead>
          <tr>
            <th scope="col">{keyHeader(by)}</th>
            {named ? <th scope="col">Name</th> : null}
            {report.buckets.map((bucket) => (
              <th key={bucket.label} scope="col" className="num">
                {bucket.label}
              </th>
            ))}
            <th scope="col" className="num" title="Part of the total in dispute on the as-of date; the buckets include it">
              Disputed (in buckets)
            </th>
            <th scope="col" className="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {report.rows.length === 0 ? (
            <tr>
              <td colSpan={report.buckets.length + 4} className="muted">
                No open items on this date.
              </td>
            </tr>
          ) : null}
          {report.rows.map((row) => (
            <tr key={`${row.currency}/${row.key}`} data-row={row.key}>
              <th scope="row">{row.key || '(none)'}</th>
              {named ? <td>{row.name}</td> : null}
              {row.amounts.map((amount, index) => (
                <Fragment key={report.buckets[index]?.label ?? index}>
                  {cell(row.key, index, amount, row.currency, `${row.key}, ${report.buckets[index]?.label}`)}
                </Fragment>
              ))}
              <td className="num disputed" data-disputed={row.disputed}>
                <Money amount={row.disputed} currency={row.currency} />
              </td>
              {cell(row.key, undefined, row.total, row.currency, `${row.key}, total`)}
            </tr>
          ))}
        </tbody>
        <tfoot>
          {totalsOf(report).map((total) => (
            <tr key={total.currency} data-total={total.currency}>
              <th scope="row">Total {total.currency}</th>
              {named ? <td /> : null}
              {total.amounts.map((amount, index) => (
                <Fragment key={report.buckets[index]?.label ?? index}>
                  {cell(undefined, index, amount, total.currency, `Total, ${report.buckets[index]?.label}`)}
                </Fragment>
              ))}
              <td className="num disputed" data-disputed={total.disputed}>
                <Money amount={total.disputed} currency={total.currency} />
              </td>
              {cell(undefined, undefined, total.total, total.currency, 'Grand total')}
            </tr>
          ))}
        </tfoot>
      </table>
    </div>
  );
}

function AgingItems({
  report,
  settings,
  itemKey,
  bucket,
  onClose,
}: {
  report: AgingReport;
  settings: AgingSettings;
  itemKey: string | null;
  bucket: number | undefined;
  onClose(): void;
}) {
  const [offset, setOffset] = useState(0);
  useEffect(() => setOffset(0), [itemKey, bucket]);
  const keyParam = itemKey === null ? '' : `&key=${encodeURIComponent(itemKey)}`;
  const path = `/aging/items${queryString({ ...settings, bucket, limit: itemsPageSize, offset })}${keyParam}`;
  const items = useApi<Paged & { items: AgingItem[] }>(path);
  const bucketLabel = bucket === undefined ? 'all buckets' : (report.buckets[bucket]?.label ?? `bucket ${bucket}`);
  return (
    <section className="panel items" aria-labelledby="items-title">
      <div className="panel-head">
        <h2 id="items-title">
          Items: {itemKey === null ? 'all rows' : itemKey || '(none)'}, {bucketLabel}
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <Loading when={items.loading} />
      <ErrorMessage error={items.error} />
      {items.data ? (
        <>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Document</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Document date</th>
                  <th scope="col">Due date</th>
                  <th scope="col" className="num">
                    Days past due
                  </th>
                  <th scope="col" className="num">
                    Open amount
                  </th>
                  <th scope="col" className="num">
                    Open (local)
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.data.items.length === 0 ? (
                  <tr>
                    <td colSpan={8} className="muted">
                      No open items in this cell.
                    </td>
                  </tr>
                ) : null}
                {items.data.items.map((item) => (
                  <tr key={`${item.company}/${item.itemId}`} data-item={item.documentNumber}>
                    <td>
                      <CustomerLink item={item} />
                    </td>
                    <td>
                      {item.documentNumber}
                      {item.disputed ? <span className="badge">disputed</span> : null}
                    </td>
                    <td>{item.kind.replace('_', ' ')}</td>
                    <td>
                      <DateText value={item.documentDate} />
                    </td>
                    <td>
                      <DateText value={item.dueDate} />
                    </td>
                    <td className="num">{item.daysPastDue}</td>
                    <td className="num">
                      <Money amount={item.openAmount} currency={item.currency} />
                    </td>
                    <td className="num">
                      <Money amount={item.openAmountLocal} currency={item.localCurrency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager total={items.data.total} limit={items.data.limit} offset={items.data.offset} onChange={setOffset} />
        </>
      ) : null}
    </section>
  );
}

/** Links an item's customer to the customer page, found by number through the customer list. */
function CustomerLink({ item }: { item: AgingItem }) {
  const search = `/customers${queryString({ company: item.company, search: item.customerNumber, limit: 5 })}`;
  const [href, setHref] = useState<string | null>(null);
  const label = `${item.customerNumber} ${item.customerName}`;
  if (href) return <a href={href}>{label}</a>;
  return (
    <button
      type="button"
      className="link"
      onClick={() => {
        void get<{ customers: { customerId: string; customerNumber: string }[] }>(search).then((list) => {
          const match = list.customers.find((customer) => customer.customerNumber === item.customerNumber);
          if (!match) return;
          const target = customerHref(match.customerId, item.company);
          setHref(target);
          navigate(target);
        });
      }}
    >
      {label}
    </button>
  );
}
