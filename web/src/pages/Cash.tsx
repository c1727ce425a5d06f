import { useMemo, useState, type FormEvent } from 'react';
import { ApiError, post, queryString } from '../api.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { DateText, ErrorMessage, Field, Loading, Money, Pager } from '../components/common.js';
import { decimalsOf, fromMinor, isDecimal, toMinor } from '../components/decimal.js';
import { isZero } from '../format.js';
import { cashApplyRoles } from '../roles.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { CustomerItem, Paged, Queue, QueueEntry, QueueStatus } from '../types.js';
import { useApi } from '../useApi.js';

const pageSize = 50;

const tabs: { status: QueueStatus; label: string }[] = [
  { status: 'review', label: 'Review' },
  { status: 'suspense', label: 'Suspense' },
  { status: 'unapplied', label: 'Unapplied' },
  { status: 'posted', label: 'Posted' },
  { status: 'ignored', label: 'Set aside' },
];

/** Words for the matcher's reason codes; an unknown code shows its detail alone. */
const reasonWords: Record<string, string> = {
  reference: 'Document number in the remittance',
  reference_typo: 'Document number one character off',
  payer_account: 'Known payer account',
  payer_name: 'Payer name matches the customer',
  customer_number: 'Customer number in the text',
  group_payment: 'Paid by another customer of the group',
  amount_exact: 'Amount matches the open items',
  amount_subset: 'Amount matches some of the open items',
  short_payment: 'Paid a little less than open',
  overpayment: 'Paid more than open',
  partial_payment: 'Part payment',
  fx: 'Paid in another currency, converted',
  conflict: 'Evidence points to different customers',
  ambiguous: 'Several items fit the amount',
  unapplied: 'Customer known, items not',
  no_customer: 'No customer found',
};

function reasonText(reason: { code: string; detail: string }): string {
  const words = reasonWords[reason.code] ?? reason.code.replaceAll('_', ' ');
  return reason.detail ? `${words}: ${reason.detail}` : words;
}

/** Converts the matcher's confidence to a share from 0 to 1. The API may send it as text. */
function confidenceShare(value: number | string | null): number | null {
  if (value === null) return null;
  const share = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(share) ? Math.min(1, Math.max(0, share)) : null;
}

/** Names the colour of a confidence bar. */
function confidenceLevel(percent: number): string {
  if (percent >= 80) return 'high';
  if (percent >= 50) return 'medium';
  return 'low';
}

function Confidence({ value }: { value: number | string | null }) {
  const share = confidenceShare(value);
  if (share === null) return <span className="muted">–</span>;
  const percent = Math.round(share * 100);
  return (
    <span className="confidence" data-confidence={percent}>
      <span className="confidence-bar" aria-hidden="true">
        <span className={confidenceLevel(percent)} style={{ width: `${percent}%` }} />
      </span>
      {percent} %
    </span>
  );
}

export function CashPage() {
  const { companies, user } = useSession();
  const { query } = useLocation();
  const company = query.get('company') || companies[0]?.code || '';
  const status = (tabs.find((tab) => tab.status === query.get('status'))?.status ?? 'review') as QueueStatus;
  const offset = Number(query.get('offset') || 0);
  const selected = query.get('entry') ?? '';
  const [notice, setNotice] = useState('');
  const params = { company, status, offset, entry: selected };
  const queue = useApi<Queue>(`/cash-application/queue${queryString({ status, company, limit: pageSize, offset })}`);
  const go = (next: Partial<typeof params>) => navigate(`/cash${queryString({ ...params, ...next })}`, { replace: true });
  const entry = queue.data?.entries.find((candidate) => candidate.entryId === selected) ?? null;
  const mayApply = cashApplyRoles.has(user.role);

  return (
    <section>
      <h1>Cash application</h1>
      <div className="toolbar">
        <Field label="Company" htmlFor="cash-company">
          <select id="cash-company" value={company} onChange={(event) => go({ company: event.target.value, offset: 0, entry: '' })}>
            {companies.map((entry) => (
              <option key={entry.code} value={entry.code}>
                {entry.code} – {entry.name}
              </option>
            ))}
          </select>
        </Field>
        <p className="muted">
          Bank credits come from imported statements. <Link href="/bank">Import a statement</Link>.
        </p>
      </div>
      <div className="tabs" role="tablist" aria-label="Queue">
        {tabs.map((tab) => (
          <button
            key={tab.status}
            type="button"
            role="tab"
            aria-selected={tab.status === status}
            data-tab={tab.status}
            onClick={() => {
              setNotice('');
              go({ status: tab.status, offset: 0, entry: '' });
            }}
          >
            {tab.label} <span className="count">{queue.data?.counts[tab.status] ?? 0}</span>
          </button>
        ))}
      </div>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <Loading when={queue.loading} />
      <ErrorMessage error={queue.error} />
      {queue.data ? (
        <div className="split-view">
          <div className="table-scroll">
            <table className="queue">
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Payer</th>
                  <th scope="col">Proposed customer</th>
                  <th scope="col">Confidence</th>
                  <th scope="col">Reasons</th>
                </tr>
              </thead>
              <tbody>
                {queue.data.entries.length === 0 ? (
                  <tr>
                    <td colSpan={6} className="muted">
                      No bank credits here.
                    </td>
                  </tr>
                ) : null}
                {queue.data.entries.map((candidate) => (
                  <tr
                    key={candidate.entryId}
                    data-entry={candidate.entryId}
                    className={candidate.entryId === selected ? 'selected' : undefined}
                  >
                    <td>
                      <button type="button" className="link" onClick={() => go({ entry: candidate.entryId })} aria-label={`Open credit ${candidate.entryId}`}>
                        <DateText value={candidate.bookingDate} />
                      </button>
                    </td>
                    <td className="num">
                      <Money amount={candidate.amount} currency={candidate.currency} />
                    </td>
                    <td>
                      {candidate.counterpartyName ?? <span className="muted">unknown</span>}
                      {candidate.counterpartyAccount ? <div className="muted small">{candidate.counterpartyAccount}</div> : null}
                    </td>
                    <td>
                      {candidate.customerNumber ? (
                        `${candidate.customerNumber} – ${candidate.customerName ?? ''}`
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                    <td>
                      <Confidence value={candidate.confidence} />
                    </td>
                    <td>
                      <ul className="reasons">
                        {candidate.reasons.map((reason) => (
                          <li key={`${reason.code}:${reason.detail}`}>{reasonText(reason)}</li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager total={queue.data.total} limit={pageSize} offset={offset} onChange={(next) => go({ offset: next, entry: '' })} />
          </div>
          {entry ? (
            <EntryDetail
              key={entry.entryId}
              entry={entry}
              mayApply={mayApply}
              onDone={(message) => {
                setNotice(message);
                go({ entry: '' });
                queue.reload();
              }}
            />
          ) : selected ? (
            <p className="muted">Credit {selected} is no longer in this list.</p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

interface Chosen {
  customerId: string;
  customerNumber: string;
  name: string;
}

interface EditLine {
  itemId: string;
  documentNumber: string;
  currency: string;
  dueDate: string;
  openAmount: string;
  amount: string;
  proposed: boolean;
}

/** Shows a credit with its proposal, the split form and the actions on it. */
function EntryDetail({ entry, mayApply, onDone }: { entry: QueueEntry; mayApply: boolean; onDone(message: string): void }) {
  const [override, setOverride] = useState<Chosen | null>(null);
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const proposedCustomer: Chosen | null =
    entry.customerId && entry.customerNumber ? { customerId: entry.customerId, customerNumber: entry.customerNumber, name: entry.customerName ?? '' } : null;
  const customer = override ?? proposedCustomer;
  const open = entry.status === 'review' || entry.status === 'suspense';
  const items = useApi<Paged & { items: CustomerItem[] }>(
    customer && open ? `/customers/${customer.customerId}/items${queryString({ company: entry.company, status: 'open', limit: 200 })}` : null,
  );
  // Amounts are in the proposal's payment currency while its customer is kept,
  // and in the credit's own currency once the user names another customer.
  const currency = override === null ? (entry.paymentCurrency ?? entry.currency) : entry.currency;
  const paymentAmount = override === null ? (entry.paymentAmount ?? entry.amount) : entry.amount;

  const lines = useMemo<EditLine[]>(() => {
    const result: EditLine[] = [];
    if (override === null) {
      for (const line of entry.lines) result.push({ ...line, proposed: true });
    }
    for (const item of items.data?.items ?? []) {
      if (result.some((line) => line.itemId === item.itemId)) continue;
      const openAmount = item.openAmount ?? '0';
      if (openAmount.startsWith('-') || isZero(openAmount)) continue;
      result.push({
        itemId: item.itemId,
        documentNumber: item.documentNumber,
        currency: item.currency,
        dueDate: item.dueDate,
        openAmount,
        amount: '0',
        proposed: false,
      });
    }
    return result;
  }, [entry.lines, items.data, override]);

  const decimals = Math.max(decimalsOf(paymentAmount), ...lines.map((line) => decimalsOf(line.openAmount)));
  const valueOf = (line: EditLine) => amounts[line.itemId] ?? line.amount;
  const edited = override !== null || Object.keys(amounts).length > 0;
  const invalid = lines.filter((line) => toMinor(valueOf(line) || '0', decimals) === null);
  const allocated = invalid.length > 0 ? null : lines.reduce((sum, line) => sum + (toMinor(valueOf(line) || '0', decimals) ?? 0n), 0n);
  const total = toMinor(paymentAmount, decimals) ?? 0n;

  const act = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await work());
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'client_error', String(caught)));
    } finally {
      setBusy(false);
    }
  };

  const confirm = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const body: Record<string, unknown> = { company: entry.company };
      if (override) body.customerNumber = override.customerNumber;
      if (edited) {
        body.lines = lines
          .map((line) => ({ itemId: line.itemId, amount: (valueOf(line) || '0').trim() }))
          .filter((line) => !isZero(line.amount));
      }
      if (note.trim()) body.note = note.trim();
      const result = await post<{ status: string; paymentItemId: string }>(`/cash-application/entries/${entry.entryId}/confirm`, body);
      return `Credit ${entry.entryId} confirmed: ${result.status === 'unapplied' ? 'posted as unapplied cash' : 'posted to the items'}.`;
    });
  };

  const reject = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const result = await post<{ status: string }>(`/cash-application/entries/${entry.entryId}/reject`, { company: entry.company, reason: reason.trim() });
      return `Credit ${entry.entryId} rejected: it is now ${result.status === 'ignored' ? 'set aside' : 'in suspense'}.`;
    });
  };

  return (
    <aside className="panel entry-detail" aria-labelledby="entry-heading" data-detail={entry.entryId}>
      <h2 id="entry-heading">
        Credit of <Money amount={entry.amount} currency={entry.currency} />
      </h2>
      <dl className="facts">
        <div>
          <dt>Booked</dt>
          <dd>
            <DateText value={entry.bookingDate} />
          </dd>
        </div>
        <div>
          <dt>Account</dt>
          <dd>{entry.account}</dd>
        </div>
        <div>
          <dt>Payer</dt>
          <dd>
            {entry.counterpartyName ?? 'unknown'} {entry.counterpartyAccount ? <span className="muted">{entry.counterpartyAccount}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Reference</dt>
          <dd>{entry.reference ?? '–'}</dd>
        </div>
      </dl>
      <h3>Remittance</h3>
      <p className="remittance">{entry.remittance ?? <span className="muted">none</span>}</p>
      <p>
        Customer:{' '}
        <strong data-customer>{customer ? `${customer.customerNumber} – ${customer.name}` : 'none proposed'}</strong>
        {override ? (
          <button type="button" className="link" onClick={() => {
              setOverride(null);
              setAmounts({});
            }}>
            {' '}
            (back to the proposal)
          </button>
        ) : null}
      </p>
      {open && mayApply ? (
        <>
          <CustomerPicker
            company={entry.company}
            id={`picker-${entry.entryId}`}
            label="Assign to another customer"
            onPick={(picked) => {
              setOverride({ customerId: picked.customerId, customerNumber: picked.customerNumber, name: picked.name });
              setAmounts({});
            }}
          />
          <form onSubmit={confirm} className="stack">
            <Loading when={items.loading} />
            <ErrorMessage error={items.error} />
            {lines.length > 0 ? (
              <table className="compact split">
                <thead>
                  <tr>
                    <th scope="col">Document</th>
                    <th scope="col">Due</th>
                    <th scope="col" className="num">
                      Open
                    </th>
                    <th scope="col" className="num">
                      Pay ({currency})
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {lines.map((line) => (
                    <tr key={line.itemId} data-item={line.documentNumber} className={line.proposed ? 'proposed' : undefined}>
                      <td>
                        {line.documentNumber}
                        {line.proposed ? <span className="badge">proposed</span> : null}
                      </td>
                      <td>
                        <DateText value={line.dueDate} />
                      </td>
                      <td className="num">
                        <Money amount={line.openAmount} currency={line.currency} />
                      </td>
                      <td className="num">
                        <input
                          className="amount"
                          inputMode="decimal"
                          aria-label={`Pay on ${line.documentNumber}`}
                          aria-invalid={invalid.includes(line) || undefined}
                          value={valueOf(line)}
                          onChange={(event) => setAmounts({ ...amounts, [line.itemId]: event.target.value })}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : customer ? (
              <p className="muted">The customer has no open items: confirming posts the credit as unapplied cash.</p>
            ) : (
              <p className="muted">Find the customer who paid to see their open items.</p>
            )}
            <p className="allocation" aria-live="polite">
              {allocated === null ? (
                <span className="error">Amounts must be decimals such as 120.50.</span>
              ) : (
                <>
                  Allocated <Money amount={fromMinor(allocated, decimals)} currency={currency} /> of{' '}
                  <Money amount={paymentAmount} currency={currency} />
                  {allocated !== total ? (
                    <>
                      {' '}
                      – left <Money amount={fromMinor(total - allocated, decimals)} currency={currency} />
                    </>
                  ) : null}
                </>
              )}
            </p>
            <Field label="Note (optional)" htmlFor={`note-${entry.entryId}`}>
              <input id={`note-${entry.entryId}`} value={note} onChange={(event) => setNote(event.target.value)} />
            </Field>
            <div className="actions">
              <button type="submit" disabled={busy || customer === null || allocated === null || !isDecimal(paymentAmount)}>
                Confirm
              </button>
            </div>
          </form>
          <form onSubmit={reject} className="inline-form reject">
            <Field label="Reason for rejecting" htmlFor={`reason-${entry.entryId}`}>
              <input id={`reason-${entry.entryId}`} required value={reason} onChange={(event) => setReason(event.target.value)} />
            </Field>
            <button type="submit" className="danger" disabled={busy || reason.trim() === ''}>
              Reject
            </button>
          </form>
        </>
      ) : (
        <>
          {entry.lines.length > 0 ? (
            <table className="compact">
              <thead>
                <tr>
                  <th scope="col">Document</th>
                  <th scope="col" className="num">
                    Open
                  </th>
                  <th scope="col" className="num">
                    Paid
                  </th>
                </tr>
              </thead>
              <tbody>
                {entry.lines.map((line) => (
                  <tr key={line.itemId}>
                    <td>{line.documentNumber}</td>
                    <td className="num">
                      <Money amount={line.openAmount} currency={line.currency} />
                    </td>
                    <td className="num">
                      <Money amount={line.amount} currency={line.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {open ? <p className="muted">Your role cannot confirm or reject credits.</p> : null}
        </>
      )}
      <ErrorMessage error={error} />
    </aside>
  );
}
