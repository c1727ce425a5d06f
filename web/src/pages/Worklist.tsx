import { useState, type FormEvent } from 'react';
import { ApiError, post, queryString } from '../api.js';
import { DateText, ErrorMessage, Field, Loading, Money, Pager } from '../components/common.js';
import { today } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { WorklistEntry, WorklistResponse } from '../types.js';
import { useApi } from '../useApi.js';

const pageSize = 50;

const outcomes = ['reached', 'no_answer', 'left_message', 'refused', 'disputed', 'wrong_contact', 'other'] as const;

const actionLabels: Record<string, string> = {
  email_reminder: 'Email reminder',
  call: 'Call',
  letter: 'Letter',
  visit: 'Visit',
  stop_supply: 'Stop supply',
  legal: 'Legal',
};

/** Describes the tasks due besides the strategy step: follow-ups and promises. */
function tasksText(entry: WorklistEntry): string {
  const tasks: string[] = [];
  if (entry.followUpDate) tasks.push(`follow-up ${entry.followUpDate}`);
  if (entry.promiseDueDate) tasks.push(`promise due ${entry.promiseDueDate}`);
  if (entry.promiseBrokenDate) tasks.push(`promise broken ${entry.promiseBrokenDate}`);
  return tasks.join(', ');
}

export function WorklistPage() {
  const { companies, user } = useSession();
  const { query } = useLocation();
  const company = query.get('company') || companies[0]?.code || '';
  const date = query.get('date') || today();
  const collector = query.get('collector') ?? '';
  const offset = Number(query.get('offset') ?? '0');
  const params = { company, date, collector, offset: offset || undefined };
  const go = (next: Partial<typeof params>) => navigate(`/worklist${queryString({ ...params, offset: undefined, ...next })}`, { replace: true });
  const list = useApi<WorklistResponse>(`/worklist${queryString({ company, date, collector, limit: pageSize, offset })}`);
  const [ranking, setRanking] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const data = list.data;

  const rankAgain = async () => {
    setRanking(null);
    try {
      await post('/worklist/rank', { company, date });
      list.reload();
    } catch (error) {
      setRanking(error as ApiError);
    }
  };

  return (
    <section>
      <h1>Worklist</h1>
      <div className="toolbar">
        {companies.length > 1 ? (
          <Field label="Company" htmlFor="worklist-company">
            <select id="worklist-company" value={company} onChange={(event) => go({ company: event.target.value, collector: '' })}>
              {companies.map((option) => (
                <option key={option.code} value={option.code}>
                  {option.code}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field label="Date" htmlFor="worklist-date">
          <input id="worklist-date" type="date" value={date} onChange={(event) => go({ date: event.target.value })} />
        </Field>
        {user.role === 'collector' ? null : (
          <Field label="Collector" htmlFor="worklist-collector">
            <select id="worklist-collector" value={collector} onChange={(event) => go({ collector: event.target.value })}>
              <option value="">All collectors</option>
              {(data?.collectors ?? [])
                .filter((row) => row.collector !== null)
                .map((row) => (
                  <option key={row.collector} value={row.collector!}>
                    {row.collector} ({row.entries})
                  </option>
                ))}
            </select>
          </Field>
        )}
        <button type="button" onClick={() => void rankAgain()}>
          Rank again
        </button>
      </div>
      <ErrorMessage error={ranking} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <Loading when={list.loading} />
      <ErrorMessage error={list.error} />
      {data ? (
        <>
          <p className="muted">
            {data.total === 1 ? '1 customer needs' : `${data.total} customers need`} an action on <DateText value={data.date} />; ranked at {data.rankedAt.slice(0, 16).replace('T', ' ')} UTC.
            The score adds the parts shown; see the score section of the collections documentation.
          </p>
          <WorklistTable
            data={data}
            onLogged={(message) => {
              setNotice(message);
              list.reload();
            }}
          />
          <Pager total={data.total} limit={data.limit} offset={data.offset} onChange={(next) => go({ offset: next || undefined })} />
        </>
      ) : null}
    </section>
  );
}

function WorklistTable({ data, onLogged }: { data: WorklistResponse; onLogged(message: string): void }) {
  const [open, setOpen] = useState<string | null>(null);
  const columns = 16;
  return (
    <div className="table-scroll">
      <table className="worklist">
        <thead>
          <tr>
            <th scope="colgroup" colSpan={9}>
              <span className="visually-hidden">Customer and step</span>
            </th>
            <th scope="colgroup" colSpan={7} className="num">
              Score parts, in points
            </th>
          </tr>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Customer</th>
            <th scope="col">Collector</th>
            <th scope="col">Action</th>
            <th scope="col">Tasks</th>
            <th scope="col" className="num">
              Days past due
            </th>
            <th scope="col" className="num">
              Overdue
            </th>
            <th scope="col" className="num">
              Disputed
            </th>
            <th scope="col">Risk class</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col" className="num">
              Days
            </th>
            <th scope="col" className="num">
              Risk
            </th>
            <th scope="col" className="num">
              Broken promises
            </th>
            <th scope="col" className="num">
              Step
            </th>
            <th scope="col" className="num">
              Tasks
            </th>
            <th scope="col" className="num">
              Score
            </th>
          </tr>
        </thead>
        <tbody>
          {data.entries.flatMap((entry) => [
            <tr key={entry.customerId} data-customer={entry.customerNumber}>
              <td className="num">{entry.rank}</td>
              <td>
                <Link href={`/customers/${entry.customerId}${queryString({ company: data.company })}`}>
                  {entry.customerNumber} {entry.customerName}
                </Link>
                <div>
                  <button type="button" className="link" onClick={() => setOpen(open === entry.customerId ? null : entry.customerId)}>
                    Log call
                  </button>
                </div>
              </td>
              <td>{entry.collector ?? '–'}</td>
              <td>
                {entry.action ? (
                  <>
                    {actionLabels[entry.action]}{' '}
                    <span className="muted">
                      {entry.strategy} v{entry.strategyVersion} step {entry.stepPosition}
                    </span>
                  </>
                ) : (
                  '–'
                )}
              </td>
              <td>{tasksText(entry) || '–'}</td>
              <td className="num">{entry.daysPastDue ?? '–'}</td>
              <td className="num">
                <Money amount={entry.overdue} currency={data.currency} />
              </td>
              <td className="num">
                <Money amount={entry.disputed} currency={data.currency} />
              </td>
              <td>{entry.riskClass?.replace('_', ' ') ?? '–'}</td>
              <td className="num" data-part="amount">{entry.parts.amount}</td>
              <td className="num" data-part="days">{entry.parts.days}</td>
              <td className="num" data-part="risk">{entry.parts.risk}</td>
              <td className="num" data-part="brokenPromises">{entry.parts.brokenPromises}</td>
              <td className="num" data-part="step">{entry.parts.step}</td>
              <td className="num" data-part="tasks">{entry.parts.tasks}</td>
              <td className="num" data-part="score">
                <strong>{entry.score}</strong>
              </td>
            </tr>,
            open === entry.customerId ? (
              <tr key={`${entry.customerId}-call`}>
                <td colSpan={columns}>
                  <CallForm
                    entry={entry}
                    date={data.date}
                    currency={data.currency}
                    onDone={(message) => {
                      setOpen(null);
                      onLogged(message);
                    }}
                  />
                </td>
              </tr>
            ) : null,
          ])}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Logs a call and, when the customer promised to pay, records the promise
 * with the call as its activity: two requests, the call first.
 */
function CallForm({ entry, date, currency, onDone }: { entry: WorklistEntry; date: string; currency: string; onDone(message: string): void }) {
  const [contact, setContact] = useState('');
  const [outcome, setOutcome] = useState<string>('reached');
  const [note, setNote] = useState('');
  const [followUp, setFollowUp] = useState('');
  const [promised, setPromised] = useState(false);
  const [amount, setAmount] = useState('');
  const [promisedDate, setPromisedDate] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // Set once the call is logged, so that after a rejected promise only the promise is sent again.
  const [loggedActivityId, setLoggedActivityId] = useState<string | null>(null);
  const id = (name: string) => `call-${entry.customerId}-${name}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      let activityId = loggedActivityId;
      if (activityId === null) {
        const logged = await post<{ activity: { activityId: string } }>(`/customers/${entry.customerId}/activities`, {
          kind: 'call',
          date,
          outcome: promised ? 'promised' : outcome,
          contact: contact || undefined,
          note: note || undefined,
          followUpDate: followUp || undefined,
        });
        activityId = logged.activity.activityId;
        setLoggedActivityId(activityId);
      }
      if (promised) {
        await post(`/customers/${entry.customerId}/promises`, {
          currency,
          amount,
          promiseDate: date,
          promisedDate,
          activityId,
        });
      }
      onDone(promised ? `Call with ${entry.customerNumber} logged with a promise to pay ${amount} ${currency} by ${promisedDate}.` : `Call with ${entry.customerNumber} logged.`);
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="inline-form" aria-label={`Log call with ${entry.customerNumber}`} onSubmit={(event) => void submit(event)}>
      <Field label="Contact" htmlFor={id('contact')}>
        <input id={id('contact')} value={contact} onChange={(event) => setContact(event.target.value)} />
      </Field>
      <Field label="Outcome" htmlFor={id('outcome')}>
        <select id={id('outcome')} value={promised ? 'promised' : outcome} disabled={promised} onChange={(event) => setOutcome(event.target.value)}>
          {promised ? <option value="promised">promised</option> : null}
          {outcomes.map((option) => (
            <option key={option} value={option}>
              {option.replace('_', ' ')}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Note" htmlFor={id('note')}>
        <input id={id('note')} value={note} onChange={(event) => setNote(event.target.value)} />
      </Field>
      <Field label="Follow up on" htmlFor={id('follow-up')}>
        <input id={id('follow-up')} type="date" value={followUp} onChange={(event) => setFollowUp(event.target.value)} />
      </Field>
      <div className="field inline">
        <input id={id('promised')} type="checkbox" checked={promised} onChange={(event) => setPromised(event.target.checked)} />
        <label htmlFor={id('promised')}>Promise to pay</label>
      </div>
      {promised ? (
        <>
          <Field label={`Promised amount (${currency})`} htmlFor={id('amount')}>
            <input id={id('amount')} inputMode="decimal" required value={amount} onChange={(event) => setAmount(event.target.value)} />
          </Field>
          <Field label="Promised date" htmlFor={id('promised-date')}>
            <input id={id('promised-date')} type="date" required value={promisedDate} onChange={(event) => setPromisedDate(event.target.value)} />
          </Field>
        </>
      ) : null}
      <button type="submit" disabled={busy}>
        {loggedActivityId === null ? 'Save call' : 'Save promise'}
      </button>
      {loggedActivityId === null ? null : <p className="muted">The call is logged; correct the promise and save it again.</p>}
      <ErrorMessage error={error} />
    </form>
  );
}
