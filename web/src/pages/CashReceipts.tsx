import { useMemo, useState, type FormEvent } from 'react';
import { ApiError, post, queryString } from '../api.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { DateText, ErrorMessage, Field, Loading, Money } from '../components/common.js';
import { decimalsOf, fromMinor, toMinor } from '../components/decimal.js';
import { isZero, today } from '../format.js';
import { cashApproveRoles, cashPostRoles, roleList } from '../roles.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { cashReceiptKinds, cashReceiptStatuses, type CashReceipt, type CashReceiptStatus, type CustomerItem, type Paged } from '../types.js';
import { useApi } from '../useApi.js';

const statusWords: Record<CashReceiptStatus, string> = {
  pending: 'Pending',
  approved: 'Approved',
  rejected: 'Rejected',
};

function asApiError(caught: unknown): ApiError {
  return caught instanceof ApiError ? caught : new ApiError(0, 'client_error', String(caught));
}

/**
 * Regional cash with two people: one enters a cash or transfer receipt,
 * another approves it, and only then is it posted to the ledger.
 */
export function CashReceiptsPage() {
  const { companies, user } = useSession();
  const { query } = useLocation();
  const company = query.get('company') || companies[0]?.code || '';
  const status = (cashReceiptStatuses.find((entry) => entry === query.get('status')) ?? 'pending') as CashReceiptStatus;
  const go = (next: { company?: string; status?: string }) =>
    navigate(`/cash-receipts${queryString({ company, status, ...next })}`, { replace: true });
  const mayPost = cashPostRoles.has(user.role);
  const mayApprove = cashApproveRoles.has(user.role);
  const list = useApi<{ receipts: CashReceipt[] }>(`/cash-receipts${queryString({ company, status, limit: 500 })}`);
  const receipts = list.data?.receipts ?? [];
  // The server compares people by user id. Emails are unique, so the browser compares the signed-in user's email.
  const mine = (receipt: CashReceipt) => receipt.enteredBy.toLowerCase() === user.email.toLowerCase();
  const own = receipts.filter(mine);
  const others = receipts.filter((receipt) => !mine(receipt));

  return (
    <section>
      <h1>Cash receipts</h1>
      <div className="toolbar">
        <Field label="Company" htmlFor="receipts-company">
          <select id="receipts-company" value={company} onChange={(event) => go({ company: event.target.value })}>
            {companies.map((entry) => (
              <option key={entry.code} value={entry.code}>
                {entry.code} – {entry.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {mayPost ? <NewReceipt key={company} company={company} onAdded={list.reload} /> : null}
      <div className="tabs" role="tablist" aria-label="Receipt status">
        {cashReceiptStatuses.map((entry) => (
          <button key={entry} type="button" role="tab" aria-selected={entry === status} onClick={() => go({ status: entry })}>
            {statusWords[entry]}
          </button>
        ))}
      </div>
      <Loading when={list.loading} />
      <ErrorMessage error={list.error} />
      {list.data ? (
        status === 'pending' ? (
          <>
            <h2>Entered by you</h2>
            {own.length > 0 ? (
              <p className="muted">Another person with the {roleList(cashApproveRoles)} role approves the receipts you entered.</p>
            ) : null}
            <ReceiptTable receipts={own} mayDecide={false} onChanged={list.reload} empty="You have no pending receipts." label="Your pending receipts" />
            <h2>{mayApprove ? 'Waiting for your approval' : 'Entered by others'}</h2>
            <ReceiptTable
              receipts={others}
              mayDecide={mayApprove}
              onChanged={list.reload}
              empty="No other pending receipts."
              label={mayApprove ? 'Receipts waiting for your approval' : 'Pending receipts entered by others'}
            />
          </>
        ) : (
          <ReceiptTable receipts={receipts} mayDecide={false} onChanged={list.reload} empty={`No ${status} receipts.`} label={`${statusWords[status]} receipts`} />
        )
      ) : null}
    </section>
  );
}

function ReceiptTable({
  receipts,
  mayDecide,
  onChanged,
  empty,
  label,
}: {
  receipts: CashReceipt[];
  mayDecide: boolean;
  onChanged(): void;
  empty: string;
  label: string;
}) {
  if (receipts.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-scroll">
      <table className="receipts" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Receipt</th>
            <th scope="col">Date</th>
            <th scope="col">Customer</th>
            <th scope="col">Kind</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Pays</th>
            <th scope="col" className="num">
              Unapplied
            </th>
            <th scope="col">Reference</th>
            <th scope="col">Entered by</th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {receipts.map((receipt) => (
            <ReceiptRow key={receipt.id} receipt={receipt} mayDecide={mayDecide} onChanged={onChanged} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReceiptRow({ receipt, mayDecide, onChanged }: { receipt: CashReceipt; mayDecide: boolean; onChanged(): void }) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const decide = async (action: 'approve' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await post(`/cash-receipts/${receipt.id}/${action}`, action === 'reject' ? { reason: reason.trim() } : {});
      onChanged();
    } catch (caught) {
      // The server has the last word (for example on one's own receipt, or items paid meanwhile): its message is shown.
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <tr data-receipt={receipt.id} data-status={receipt.status}>
      <td>{receipt.id}</td>
      <td>
        <DateText value={receipt.date} />
      </td>
      <td>
        {receipt.customerNumber} – {receipt.customerName}
        {receipt.region ? <span className="muted small"> ({receipt.region})</span> : null}
      </td>
      <td>{receipt.kind}</td>
      <td className="num">
        <Money amount={receipt.amount} currency={receipt.currency} />
      </td>
      <td>
        {receipt.lines.length === 0 ? (
          <span className="muted">no items</span>
        ) : (
          <ul className="plain">
            {receipt.lines.map((line) => (
              <li key={line.itemId}>
                {line.documentNumber}: <Money amount={line.amount} currency={receipt.currency} />
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="num">
        <Money amount={receipt.unapplied} currency={receipt.currency} />
      </td>
      <td>{receipt.reference ?? ''}</td>
      <td>{receipt.enteredBy}</td>
      <td className="decision">
        {receipt.status === 'pending' ? (
          mayDecide ? (
            <div className="inline-form">
              <button type="button" disabled={busy} onClick={() => void decide('approve')}>
                Approve
              </button>
              {rejecting ? (
                <>
                  <label className="visually-hidden" htmlFor={`reject-reason-${receipt.id}`}>
                    Reason
                  </label>
                  <input
                    id={`reject-reason-${receipt.id}`}
                    placeholder="Reason"
                    value={reason}
                    onChange={(event) => setReason(event.target.value)}
                  />
                  <button type="button" className="danger" disabled={busy || reason.trim() === ''} onClick={() => void decide('reject')}>
                    Reject receipt
                  </button>
                  <button type="button" className="link" onClick={() => setRejecting(false)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" className="danger" disabled={busy} onClick={() => setRejecting(true)}>
                  Reject
                </button>
              )}
            </div>
          ) : (
            <span className="muted">awaiting approval</span>
          )
        ) : (
          <>
            {receipt.status} by {receipt.decidedBy ?? '?'}
            {receipt.decisionReason ? <span className="muted"> ({receipt.decisionReason})</span> : null}
          </>
        )}
        <ErrorMessage error={error} />
      </td>
    </tr>
  );
}

interface Picked {
  customerId: string;
  customerNumber: string;
  name: string;
}

function NewReceipt({ company, onAdded }: { company: string; onAdded(): void }) {
  const { companies } = useSession();
  const companyCurrency = companies.find((entry) => entry.code === company);
  const empty = {
    kind: 'cash' as (typeof cashReceiptKinds)[number],
    currency: companyCurrency?.currency ?? '',
    amount: '',
    date: today(),
    reference: '',
    note: '',
  };
  const [customer, setCustomer] = useState<Picked | null>(null);
  const [draft, setDraft] = useState(empty);
  const [pays, setPays] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const items = useApi<Paged & { items: CustomerItem[] }>(
    customer ? `/customers/${customer.customerId}/items${queryString({ company, status: 'open', limit: 200 })}` : null,
  );
  const currency = draft.currency.trim().toUpperCase();
  // Only debit items in the receipt's currency can be paid by it; the server refuses any other line.
  const payable = useMemo(
    () =>
      (items.data?.items ?? []).filter((item) => {
        const open = item.openAmount ?? '0';
        return item.currency === currency && !open.startsWith('-') && !isZero(open);
      }),
    [items.data, currency],
  );
  const decimals = Math.max(
    companyCurrency?.currency === currency ? companyCurrency.currencyExponent : 0,
    decimalsOf(draft.amount),
    ...payable.map((item) => decimalsOf(item.openAmount ?? '0')),
  );
  const total = toMinor(draft.amount || '0', decimals);
  const lineValues = payable.map((item) => ({ item, text: (pays[item.itemId] ?? '').trim() }));
  const badLines = lineValues.filter((line) => line.text !== '' && toMinor(line.text, decimals) === null);
  const allocated = lineValues.reduce((sum, line) => sum + (line.text === '' ? 0n : (toMinor(line.text, decimals) ?? 0n)), 0n);
  const left = total === null ? null : total - allocated;
  const ready = customer !== null && total !== null && total > 0n && badLines.length === 0 && left !== null && left >= 0n && /^[A-Za-z]{3}$/.test(currency);

  const set = (field: keyof typeof empty) => (value: string) => setDraft({ ...draft, [field]: value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || customer === null) return;
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      const lines = lineValues
        .filter((line) => line.text !== '' && toMinor(line.text, decimals) !== 0n)
        .map((line) => ({ itemId: line.item.itemId, amount: line.text }));
      const { receipt } = await post<{ receipt: CashReceipt }>('/cash-receipts', {
        company,
        customerNumber: customer.customerNumber,
        kind: draft.kind,
        currency,
        amount: draft.amount.trim(),
        date: draft.date,
        ...(draft.reference.trim() ? { reference: draft.reference.trim() } : {}),
        ...(draft.note.trim() ? { note: draft.note.trim() } : {}),
        ...(lines.length > 0 ? { lines } : {}),
      });
      setNotice(`Receipt ${receipt.id} of ${receipt.customerName} entered; it is posted once another person approves it.`);
      setDraft({ ...empty, currency: draft.currency, kind: draft.kind });
      setPays({});
      setCustomer(null);
      onAdded();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="panel new-receipt">
      <summary>Enter a receipt</summary>
      <CustomerPicker
        company={company}
        id="receipt-customer"
        label="Customer"
        onPick={(picked) => {
          setCustomer({ customerId: picked.customerId, customerNumber: picked.customerNumber, name: picked.name });
          setPays({});
        }}
      />
      <p>
        Customer: <strong data-chosen-customer>{customer ? `${customer.customerNumber} – ${customer.name}` : 'none chosen'}</strong>
      </p>
      <form onSubmit={(event) => void submit(event)} aria-label="Enter a receipt">
        <div className="toolbar">
          <Field label="Kind" htmlFor="receipt-kind">
            <select id="receipt-kind" value={draft.kind} onChange={(event) => set('kind')(event.target.value)}>
              {cashReceiptKinds.map((kind) => (
                <option key={kind} value={kind}>
                  {kind}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Amount" htmlFor="receipt-amount">
            <input id="receipt-amount" required inputMode="decimal" className="amount" value={draft.amount} onChange={(event) => set('amount')(event.target.value)} />
          </Field>
          <Field label="Currency" htmlFor="receipt-currency">
            <input id="receipt-currency" required maxLength={3} size={4} value={draft.currency} onChange={(event) => set('currency')(event.target.value)} />
          </Field>
          <Field label="Receipt date" htmlFor="receipt-date">
            <input id="receipt-date" type="date" required value={draft.date} onChange={(event) => set('date')(event.target.value)} />
          </Field>
          <Field label="Reference" htmlFor="receipt-reference">
            <input id="receipt-reference" value={draft.reference} onChange={(event) => set('reference')(event.target.value)} />
          </Field>
          <Field label="Note (optional)" htmlFor="receipt-note">
            <input id="receipt-note" value={draft.note} onChange={(event) => set('note')(event.target.value)} />
          </Field>
        </div>
        {customer ? (
          <>
            <h3>Items it pays (optional)</h3>
            <Loading when={items.loading} />
            <ErrorMessage error={items.error} />
            {items.data ? (
              payable.length === 0 ? (
                <p className="muted">The customer has no open items in {currency || 'this currency'}: the receipt stays on the customer as unapplied cash.</p>
              ) : (
                <table className="compact receipt-lines">
                  <thead>
                    <tr>
                      <th scope="col">Item</th>
                      <th scope="col">Due</th>
                      <th scope="col" className="num">
                        Open
                      </th>
                      <th scope="col" className="num">
                        Pay
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {lineValues.map(({ item, text }) => (
                      <tr key={item.itemId} data-item={item.documentNumber}>
                        <td>{item.documentNumber}</td>
                        <td>
                          <DateText value={item.dueDate} />
                        </td>
                        <td className="num">
                          <Money amount={item.openAmount} currency={item.currency} />
                        </td>
                        <td className="num">
                          <input
                            className="amount"
                            inputMode="decimal"
                            aria-label={`Pay on ${item.documentNumber}`}
                            aria-invalid={text !== '' && toMinor(text, decimals) === null}
                            value={pays[item.itemId] ?? ''}
                            onChange={(event) => setPays({ ...pays, [item.itemId]: event.target.value })}
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            ) : null}
            <p data-receipt-left>
              Paid to items: <Money amount={fromMinor(allocated, decimals)} currency={currency} />; left as unapplied cash:{' '}
              {left === null ? <span className="muted">enter the amount</span> : <Money amount={fromMinor(left, decimals)} currency={currency} />}
            </p>
            {left !== null && left < 0n ? (
              <p className="error" role="alert">
                The items are given more than the receipt&apos;s amount.
              </p>
            ) : null}
          </>
        ) : null}
        <button type="submit" disabled={busy || !ready}>
          Enter receipt
        </button>
      </form>
      <ErrorMessage error={error} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
    </details>
  );
}
