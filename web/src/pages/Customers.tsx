import { useEffect, useState } from 'react';
import { queryString } from '../api.js';
import { ErrorMessage, Field, Loading, Money, Pager } from '../components/common.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { CustomerList } from '../types.js';
import { useApi } from '../useApi.js';
import { customerHref } from './links.js';

const pageSize = 50;
const textFilters = ['search', 'region', 'collector', 'segment'] as const;

const columns = [
  { sort: 'number', label: 'Number', numeric: false },
  { sort: 'name', label: 'Name', numeric: false },
  { sort: 'region', label: 'Region', numeric: false },
  { sort: null, label: 'Collector', numeric: false },
  { sort: null, label: 'Segment', numeric: false },
  { sort: 'balance', label: 'Balance', numeric: true },
  { sort: 'overdue', label: 'Overdue', numeric: true },
] as const;

export function CustomersPage() {
  const { companies } = useSession();
  const { query } = useLocation();
  const company = query.get('company') || companies[0]?.code || '';
  const sort = query.get('sort') || 'number';
  const dir = query.get('dir') || 'asc';
  const offset = Number(query.get('offset') || 0);
  const overdueOnly = query.get('overdueOnly') === 'true';
  const asOf = query.get('asOf') ?? '';
  const filters = Object.fromEntries(textFilters.map((name) => [name, query.get(name) ?? ''])) as Record<
    (typeof textFilters)[number],
    string
  >;
  const [draft, setDraft] = useState(filters);
  const filterKey = textFilters.map((name) => filters[name]).join('\u0000');
  useEffect(() => setDraft(filters), [filterKey]);

  const params = { company, asOf, ...filters, overdueOnly, sort, dir, limit: pageSize, offset };
  const list = useApi<CustomerList>(`/customers${queryString(params)}`);
  const go = (next: Partial<typeof params>) => navigate(`/customers${queryString({ ...params, offset: 0, ...next })}`, { replace: true });
  const currency = list.data?.currency ?? companies.find((entry) => entry.code === company)?.currency ?? '';

  return (
    <section>
      <h1>Customers</h1>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          go(draft);
        }}
      >
        <Field label="Company" htmlFor="customers-company">
          <select id="customers-company" value={company} onChange={(event) => go({ company: event.target.value })}>
            {companies.map((entry) => (
              <option key={entry.code} value={entry.code}>
                {entry.code} – {entry.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="As of" htmlFor="customers-as-of">
          <input
            id="customers-as-of"
            type="date"
            value={asOf || list.data?.asOf || ''}
            onChange={(event) => go({ ...draft, asOf: event.target.value })}
          />
        </Field>
        {textFilters.map((name) => (
          <Field key={name} label={name === 'search' ? 'Search number or name' : name[0]!.toUpperCase() + name.slice(1)} htmlFor={`customers-${name}`}>
            <input
              id={`customers-${name}`}
              type={name === 'search' ? 'search' : 'text'}
              value={draft[name]}
              onChange={(event) => setDraft({ ...draft, [name]: event.target.value })}
            />
          </Field>
        ))}
        <div className="field checkbox">
          <input id="customers-overdue" type="checkbox" checked={overdueOnly} onChange={(event) => go({ ...draft, overdueOnly: event.target.checked })} />
          <label htmlFor="customers-overdue">Overdue only</label>
        </div>
        <button type="submit">Search</button>
      </form>
      <Loading when={list.loading} />
      <ErrorMessage error={list.error} />
      {list.data ? (
        <>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  {columns.map((column) => {
                    const active = column.sort !== null && sort === column.sort;
                    return (
                      <th
                        key={column.label}
                        scope="col"
                        className={column.numeric ? 'num' : undefined}
                        aria-sort={active ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}
                      >
                        {column.sort === null ? (
                          column.label
                        ) : (
                          <button
                            type="button"
                            className="sort"
                            onClick={() => go({ sort: column.sort, dir: active && dir === 'asc' ? 'desc' : 'asc', offset })}
                          >
                            {column.label}
                            {active ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
                          </button>
                        )}
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {list.data.customers.map((customer) => (
                  <tr key={customer.customerId} data-customer={customer.customerNumber}>
                    <td>
                      <Link href={customerHref(customer.customerId, list.data!.company, list.data!.asOf)}>{customer.customerNumber}</Link>
                    </td>
                    <td>
                      <Link href={customerHref(customer.customerId, list.data!.company, list.data!.asOf)}>{customer.name}</Link>
                    </td>
                    <td>{customer.region}</td>
                    <td>{customer.collector}</td>
                    <td>{customer.segment ?? customer.creditSegment}</td>
                    <td className="num">
                      <Money amount={customer.balance} currency={currency} />
                    </td>
                    <td className="num">
                      <Money amount={customer.overdue} currency={currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager total={list.data.total} limit={list.data.limit} offset={list.data.offset} onChange={(next) => go({ offset: next })} />
        </>
      ) : null}
    </section>
  );
}
