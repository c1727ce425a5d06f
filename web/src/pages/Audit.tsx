import { useState } from 'react';
import { queryString } from '../api.js';
import { ErrorMessage, Field, Loading, Pager } from '../components/common.js';
import { formatDate } from '../format.js';
import { navigate, useLocation } from '../router.js';
import { useDateFormat } from '../session.js';
import type { AuditEvent, Paged } from '../types.js';
import { useApi } from '../useApi.js';

const pageSize = 50;
const filterNames = ['actor', 'entity', 'action', 'from', 'to'] as const;
type Filters = Record<(typeof filterNames)[number], string>;

function summary(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

export function AuditPage() {
  const dateFormat = useDateFormat();
  const { query } = useLocation();
  const filters = Object.fromEntries(filterNames.map((name) => [name, query.get(name) ?? ''])) as Filters;
  const offset = Number(query.get('offset') || 0);
  const [draft, setDraft] = useState(filters);
  const audit = useApi<Paged & { events: (AuditEvent & { via?: string; outcome?: string })[] }>(
    `/audit${queryString({ ...filters, limit: pageSize, offset })}`,
  );
  const go = (next: Filters, nextOffset = 0) => navigate(`/audit${queryString({ ...next, offset: nextOffset })}`, { replace: true });

  return (
    <section>
      <h1>Audit trail</h1>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          go(draft);
        }}
      >
        {filterNames.map((name) => (
          <Field key={name} label={name[0]!.toUpperCase() + name.slice(1)} htmlFor={`audit-${name}`}>
            <input
              id={`audit-${name}`}
              type={name === 'from' || name === 'to' ? 'date' : 'text'}
              value={draft[name]}
              onChange={(event) => setDraft({ ...draft, [name]: event.target.value })}
            />
          </Field>
        ))}
        <button type="submit">Filter</button>
      </form>
      <Loading when={audit.loading} />
      <ErrorMessage error={audit.error} />
      {audit.data ? (
        <>
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Entity</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {audit.data.events.map((event) => (
                  <tr key={event.id}>
                    <td>{formatDate(event.at, dateFormat)}</td>
                    <td>
                      {event.actor}
                      {event.via ? <span className="muted"> ({event.via})</span> : null}
                    </td>
                    <td>{event.action}</td>
                    <td>
                      {event.entity}
                      {event.entityId ? ` ${event.entityId}` : ''}
                    </td>
                    <td>{event.outcome ?? ''}</td>
                    <td className="json">{summary(event.before)}</td>
                    <td className="json">{summary(event.after)}</td>
                    <td>{event.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager total={audit.data.total} limit={audit.data.limit} offset={audit.data.offset} onChange={(next) => go(filters, next)} />
        </>
      ) : null}
    </section>
  );
}
