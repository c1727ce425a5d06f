import { useState } from 'react';
import { queryString } from '../api.js';
import { DateText, ErrorMessage, Loading, Money, Pager } from '../components/common.js';
import { Link, useLocation } from '../router.js';
import type { CustomerDetail, CustomerItem, Paged, TimelineEvent } from '../types.js';
import { useApi } from '../useApi.js';
import { agingHref } from './links.js';

const pageSize = 25;

function show(value: string | number | null | undefined, unit = ''): string {
  return value === null || value === undefined ? '–' : `${value}${unit}`;
}

export function CustomerPage({ customerId }: { customerId: string }) {
  const { query } = useLocation();
  const company = query.get('company') ?? '';
  const asOf = query.get('asOf') ?? '';
  const detail = useApi<CustomerDetail>(`/customers/${customerId}${queryString({ company, asOf })}`);
  const data = detail.data;
  return (
    <section>
      <p>
        <Link href={`/customers${queryString({ company, asOf })}`}>← Customers</Link>
      </p>
      <Loading when={detail.loading} />
      <ErrorMessage error={detail.error} />
      {data ? (
        <>
          <h1>
            {data.customer.customerNumber} {data.customer.name}
          </h1>
          <p className="muted">
            {[data.customer.country, data.customer.region, data.customer.collector].filter(Boolean).join(' · ')} · as of{' '}
            <DateText value={data.asOf} />
          </p>
          <dl className="facts">
            <div>
              <dt>Balance</dt>
              <dd>
                <Money amount={data.balance} currency={data.currency} />
              </dd>
            </div>
            <div>
              <dt>Overdue</dt>
              <dd>
                <Money amount={data.overdue} currency={data.currency} />
              </dd>
            </div>
            <div>
              <dt>Credit limit</dt>
              <dd>{data.creditLimit === null ? <span className="muted">not set</span> : <Money amount={data.creditLimit} currency={data.currency} />}</dd>
            </div>
            <div>
              <dt>DSO</dt>
              <dd className="number">{show(data.dso, ' days')}</dd>
            </div>
            <div>
              <dt>Average days to pay</dt>
              <dd className="number">{show(data.paymentBehaviour.averageDaysToPay)}</dd>
            </div>
            <div>
              <dt>Average days late</dt>
              <dd className="number">{show(data.paymentBehaviour.averageDaysLate)}</dd>
            </div>
            <div>
              <dt>Paid late</dt>
              <dd className="number">{show(data.paymentBehaviour.paidLatePercent, ' %')}</dd>
            </div>
            <div>
              <dt>Invoices paid</dt>
              <dd className="number">{data.paymentBehaviour.invoicesPaid}</dd>
            </div>
          </dl>
          <section className="panel">
            <h2>Aging</h2>
            <table className="compact">
              <tbody>
                {data.aging.buckets.map((bucket, index) => (
                  <tr key={bucket.label}>
                    <th scope="row">{bucket.label}</th>
                    <td className="num">
                      <Link
                        href={agingHref({
                          company: company || undefined,
                          asOf: data.asOf,
                          by: 'customer',
                          key: data.customer.customerNumber,
                          bucket: index,
                        })}
                      >
                        <Money amount={bucket.amount} currency={data.currency} />
                      </Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <CustomerItems customerId={customerId} company={company} asOf={asOf} />
          <Timeline customerId={customerId} company={company} />
        </>
      ) : null}
    </section>
  );
}

function CustomerItems({ customerId, company, asOf }: { customerId: string; company: string; asOf: string }) {
  const [status, setStatus] = useState<'open' | 'all'>('open');
  const [offset, setOffset] = useState(0);
  const items = useApi<Paged & { items: CustomerItem[] }>(
    `/customers/${customerId}/items${queryString({ company, asOf, status, limit: pageSize, offset })}`,
  );
  return (
    <section className="panel" aria-labelledby="customer-items">
      <div className="panel-head">
        <h2 id="customer-items">{status === 'open' ? 'Open items' : 'All items'}</h2>
        <div className="field inline">
          <label htmlFor="items-status">Show</label>
          <select
            id="items-status"
            value={status}
            onChange={(event) => {
              setStatus(event.target.value as 'open' | 'all');
              setOffset(0);
            }}
          >
            <option value="open">Open items</option>
            <option value="all">All items</option>
          </select>
        </div>
      </div>
      <Loading when={items.loading} />
      <ErrorMessage error={items.error} />
      {items.data ? (
        <>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Document</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Document date</th>
                  <th scope="col">Due date</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col" className="num">
                    Open
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.data.items.map((item) => (
                  <tr key={item.itemId}>
                    <td>{item.documentNumber}</td>
                    <td>{item.kind.replace('_', ' ')}</td>
                    <td>
                      <DateText value={item.documentDate} />
                    </td>
                    <td>
                      <DateText value={item.dueDate} />
                    </td>
                    <td className="num">
                      <Money amount={item.amount} currency={item.currency} />
                    </td>
                    <td className="num">
                      <Money amount={item.openAmount} currency={item.currency} />
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

/** Describes a timeline event from whichever of its fields are present. */
function eventText(event: TimelineEvent): string {
  const parts: string[] = [];
  for (const name of ['documentNumber', 'itemKind', 'debitDocumentNumber', 'creditDocumentNumber', 'activityKind', 'outcome', 'contact', 'status', 'reason']) {
    const value = event[name];
    if (typeof value === 'string' && value !== '') parts.push(['activityKind', 'outcome', 'status'].includes(name) ? value.replaceAll('_', ' ') : value);
  }
  if (typeof event.promisedDate === 'string') parts.push(`promised for ${event.promisedDate}`);
  if (typeof event.followUpDate === 'string') parts.push(`follow up on ${event.followUpDate}`);
  return parts.join(' · ');
}

function Timeline({ customerId, company }: { customerId: string; company: string }) {
  const [offset, setOffset] = useState(0);
  const timeline = useApi<Paged & { events: TimelineEvent[] }>(
    `/customers/${customerId}/timeline${queryString({ company, limit: pageSize, offset })}`,
  );
  return (
    <section className="panel" aria-labelledby="customer-timeline">
      <h2 id="customer-timeline">Timeline</h2>
      <Loading when={timeline.loading} />
      <ErrorMessage error={timeline.error} />
      {timeline.data ? (
        <>
          <ol className="timeline">
            {timeline.data.events.map((event, index) => (
              <li key={`${event.date}/${index}/${String(event.itemId ?? event.allocationId ?? '')}`} data-kind={event.kind}>
                <DateText value={event.date} /> <span className="badge">{event.kind}</span> {eventText(event)}{' '}
                {typeof event.amount === 'string' && typeof event.currency === 'string' ? (
                  <Money amount={event.amount} currency={event.currency} />
                ) : null}
              </li>
            ))}
          </ol>
          <Pager total={timeline.data.total} limit={timeline.data.limit} offset={timeline.data.offset} onChange={setOffset} />
        </>
      ) : null}
    </section>
  );
}
