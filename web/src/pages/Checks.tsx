import { useState, type FormEvent } from 'react';
import { ApiError, post, queryString } from '../api.js';
import { ColumnChart } from '../components/ColumnChart.js';
import { CustomerPicker } from '../components/CustomerPicker.js';
import { DateText, ErrorMessage, Field, Loading, Money } from '../components/common.js';
import { decimalsOf, fromMinor, toMinor } from '../components/decimal.js';
import { today } from '../format.js';
import { checkRoles } from '../roles.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import {
  checkStatuses,
  returnReasons,
  type BankAccount,
  type Check,
  type CheckSchedule,
  type CheckStatus,
  type DepositSlip,
  type ReturnedChecks,
} from '../types.js';
import { useApi } from '../useApi.js';

const views = [
  { view: 'register', label: 'Register' },
  { view: 'to-deposit', label: 'To deposit' },
  { view: 'schedule', label: 'Maturity schedule' },
  { view: 'returned', label: 'Returned' },
  { view: 'slips', label: 'Deposit slips' },
] as const;
type View = (typeof views)[number]['view'];

const statusWords: Record<CheckStatus, string> = {
  received: 'received',
  in_safe: 'in the safe',
  deposited: 'deposited',
  cleared: 'cleared',
  returned: 'returned',
  replaced: 'replaced',
  cancelled: 'cancelled',
};

/** Actions each state allows, following the server's state table. Replacing a check is left to the API. */
const actionsOf: Record<CheckStatus, readonly Action[]> = {
  received: ['safe', 'deposit', 'cancel'],
  in_safe: ['deposit', 'cancel'],
  deposited: ['clear', 'return'],
  cleared: ['return'],
  returned: [],
  replaced: [],
  cancelled: [],
};
type Action = 'safe' | 'deposit' | 'clear' | 'return' | 'cancel';
const actionWords: Record<Action, string> = {
  safe: 'Put in safe',
  deposit: 'Deposit',
  clear: 'Clear',
  return: 'Return',
  cancel: 'Cancel',
};

function asApiError(caught: unknown): ApiError {
  return caught instanceof ApiError ? caught : new ApiError(0, 'client_error', String(caught));
}

export function ChecksPage() {
  const { companies, user } = useSession();
  const { query } = useLocation();
  const company = query.get('company') || companies[0]?.code || '';
  const view = (views.find((entry) => entry.view === query.get('view'))?.view ?? 'register') as View;
  const params = {
    company,
    view,
    status: query.get('status') ?? '',
    maturityFrom: query.get('maturityFrom') ?? '',
    maturityTo: query.get('maturityTo') ?? '',
    date: query.get('date') ?? '',
    by: query.get('by') ?? '',
  };
  const go = (next: Partial<typeof params>) => navigate(`/checks${queryString({ ...params, ...next })}`, { replace: true });
  const mayManage = checkRoles.has(user.role);
  return (
    <section>
      <h1>Checks</h1>
      <div className="toolbar">
        <Field label="Company" htmlFor="checks-company">
          <select id="checks-company" value={company} onChange={(event) => go({ company: event.target.value })}>
            {companies.map((entry) => (
              <option key={entry.code} value={entry.code}>
                {entry.code} – {entry.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="tabs" role="tablist" aria-label="Check views">
        {views.map((entry) => (
          <button key={entry.view} type="button" role="tab" aria-selected={entry.view === view} onClick={() => go({ view: entry.view })}>
            {entry.label}
          </button>
        ))}
      </div>
      {view === 'register' ? <Register company={company} params={params} go={go} mayManage={mayManage} /> : null}
      {view === 'to-deposit' ? <ToDeposit company={company} date={params.date || today()} go={go} mayManage={mayManage} /> : null}
      {view === 'schedule' ? <Schedule company={company} by={params.by || 'week'} go={go} /> : null}
      {view === 'returned' ? <Returned company={company} /> : null}
      {view === 'slips' ? <Slips company={company} /> : null}
    </section>
  );
}

interface Params {
  status: string;
  maturityFrom: string;
  maturityTo: string;
}

function Register({
  company,
  params,
  go,
  mayManage,
}: {
  company: string;
  params: Params;
  go(next: Partial<Params>): void;
  mayManage: boolean;
}) {
  const list = useApi<{ company: string; checks: Check[] }>(`/checks${queryString({ company, status: params.status })}`);
  // The API filters by received date, so the maturity range is applied here on the business-day maturity.
  const checks = (list.data?.checks ?? []).filter(
    (check) =>
      (params.maturityFrom === '' || check.businessMaturityDate >= params.maturityFrom) &&
      (params.maturityTo === '' || check.businessMaturityDate <= params.maturityTo),
  );
  return (
    <>
      {mayManage ? <NewCheck company={company} onAdded={list.reload} /> : null}
      <div className="toolbar">
        <Field label="Status" htmlFor="checks-status">
          <select id="checks-status" value={params.status} onChange={(event) => go({ status: event.target.value })}>
            <option value="">any</option>
            {checkStatuses.map((status) => (
              <option key={status} value={status}>
                {statusWords[status]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Maturing from" htmlFor="checks-maturity-from">
          <input id="checks-maturity-from" type="date" value={params.maturityFrom} onChange={(event) => go({ maturityFrom: event.target.value })} />
        </Field>
        <Field label="Maturing to" htmlFor="checks-maturity-to">
          <input id="checks-maturity-to" type="date" value={params.maturityTo} onChange={(event) => go({ maturityTo: event.target.value })} />
        </Field>
      </div>
      <Loading when={list.loading} />
      <ErrorMessage error={list.error} />
      {list.data ? <CheckTable checks={checks} mayManage={mayManage} onChanged={list.reload} /> : null}
    </>
  );
}

/** The checks ticked for a deposit slip, by check id. */
interface Selection {
  selected: ReadonlySet<string>;
  toggle(checkId: string): void;
}

function CheckTable({
  checks,
  mayManage,
  onChanged,
  selection,
}: {
  checks: Check[];
  mayManage: boolean;
  onChanged(): void;
  selection?: Selection;
}) {
  const [open, setOpen] = useState<string | null>(null);
  if (checks.length === 0) return <p className="muted">No checks.</p>;
  return (
    <div className="table-scroll">
      <table className="checks">
        <thead>
          <tr>
            {selection ? (
              <th scope="col">
                <span className="visually-hidden">On the slip</span>
              </th>
            ) : null}
            <th scope="col">Check</th>
            <th scope="col">Customer</th>
            <th scope="col">Drawer</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Received</th>
            <th scope="col">Matures</th>
            <th scope="col">Status</th>
            {mayManage ? <th scope="col">Next</th> : null}
          </tr>
        </thead>
        <tbody>
          {checks.map((check) => (
            <CheckRow
              key={check.checkId}
              check={check}
              mayManage={mayManage}
              selection={selection}
              open={open === check.checkId}
              onToggle={() => setOpen(open === check.checkId ? null : check.checkId)}
              onChanged={() => {
                setOpen(null);
                onChanged();
              }}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CheckRow({
  check,
  mayManage,
  selection,
  open,
  onToggle,
  onChanged,
}: {
  check: Check;
  mayManage: boolean;
  selection?: Selection;
  open: boolean;
  onToggle(): void;
  onChanged(): void;
}) {
  const actions = actionsOf[check.status];
  return (
    <>
      <tr data-check={check.checkNumber} data-status={check.status}>
        {selection ? (
          <td>
            <input
              type="checkbox"
              aria-label={`Put check ${check.checkNumber} on the slip`}
              checked={selection.selected.has(check.checkId)}
              onChange={() => selection.toggle(check.checkId)}
            />
          </td>
        ) : null}
        <td>
          {check.checkNumber}
          {check.postDated ? <span className="badge">post-dated</span> : null}
          {check.certified ? <span className="badge">certified</span> : null}
        </td>
        <td>
          {check.customerNumber} – {check.customerName}
        </td>
        <td>
          {check.drawer} <span className="muted small">{check.drawerBank}</span>
        </td>
        <td className="num">
          <Money amount={check.amount} currency={check.currency} />
        </td>
        <td>
          <DateText value={check.receivedDate} />
        </td>
        <td>
          <DateText value={check.businessMaturityDate} />
        </td>
        <td className="status">
          {statusWords[check.status]}
          {check.returnReason ? <span className="muted small"> ({check.returnReason.replaceAll('_', ' ')})</span> : null}
        </td>
        {mayManage ? (
          <td>
            {actions.length > 0 ? (
              <button type="button" className="link" aria-expanded={open} onClick={onToggle}>
                {open ? 'Close' : 'Actions'}
              </button>
            ) : null}
          </td>
        ) : null}
      </tr>
      {open ? (
        <tr className="actions-row">
          <td colSpan={selection ? 9 : 8}>
            <CheckActions check={check} actions={actions} onChanged={onChanged} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** Shows the form for a check's next steps: one date for all, a bank account to deposit to, a reason to return. */
function CheckActions({ check, actions, onChanged }: { check: Check; actions: readonly Action[]; onChanged(): void }) {
  const accounts = useApi<{ accounts: BankAccount[] }>(actions.includes('deposit') ? '/bank-accounts' : null);
  const [date, setDate] = useState(today());
  const [accountId, setAccountId] = useState('');
  const [reason, setReason] = useState<string>(returnReasons[0]);
  const [note, setNote] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const choices = (accounts.data?.accounts ?? []).filter((account) => account.company === check.company);

  const run = async (action: Action) => {
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = { date };
    if (note.trim()) body.note = note.trim();
    if (action === 'deposit') body.bankAccountId = Number(accountId);
    if (action === 'return') body.reason = reason;
    try {
      await post(`/checks/${check.checkId}/${action}`, body);
      onChanged();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="check-actions" data-actions={check.checkNumber}>
      <div className="toolbar">
        <Field label="Date" htmlFor={`action-date-${check.checkId}`}>
          <input id={`action-date-${check.checkId}`} type="date" required value={date} onChange={(event) => setDate(event.target.value)} />
        </Field>
        {actions.includes('deposit') ? (
          <Field label="Deposit to account" htmlFor={`action-account-${check.checkId}`}>
            <AccountSelect id={`action-account-${check.checkId}`} accounts={choices} loading={accounts.loading} value={accountId} onChange={setAccountId} />
          </Field>
        ) : null}
        {actions.includes('return') ? (
          <Field label="Return reason" htmlFor={`action-reason-${check.checkId}`}>
            <select id={`action-reason-${check.checkId}`} value={reason} onChange={(event) => setReason(event.target.value)}>
              {returnReasons.map((entry) => (
                <option key={entry} value={entry}>
                  {entry.replaceAll('_', ' ')}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field label="Note (optional)" htmlFor={`action-note-${check.checkId}`}>
          <input id={`action-note-${check.checkId}`} value={note} onChange={(event) => setNote(event.target.value)} />
        </Field>
      </div>
      <div className="actions">
        {actions.map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'cancel' || action === 'return' ? 'danger' : undefined}
            disabled={busy || date === '' || (action === 'deposit' && !/^\d+$/.test(accountId))}
            onClick={() => void run(action)}
          >
            {actionWords[action]}
          </button>
        ))}
      </div>
      <ErrorMessage error={error} />
    </div>
  );
}

interface Picked {
  customerId: string;
  customerNumber: string;
  name: string;
}

function NewCheck({ company, onAdded }: { company: string; onAdded(): void }) {
  const { companies } = useSession();
  const currency = companies.find((entry) => entry.code === company)?.currency ?? '';
  const empty = {
    drawer: '',
    drawerBank: '',
    checkNumber: '',
    currency,
    amount: '',
    issueDate: today(),
    maturityDate: today(),
    receivedDate: today(),
    certified: false,
  };
  const [customer, setCustomer] = useState<Picked | null>(null);
  const [draft, setDraft] = useState(empty);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof empty) => (value: string) => setDraft({ ...draft, [field]: value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (customer === null) return;
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      const { check } = await post<{ check: Check }>('/checks', {
        company,
        customerId: customer.customerId,
        ...draft,
        currency: draft.currency.trim().toUpperCase(),
        amount: draft.amount.trim(),
      });
      setNotice(`Check ${check.checkNumber} of ${check.customerName} registered.`);
      setDraft({ ...empty, currency: draft.currency });
      setCustomer(null);
      onAdded();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="panel new-check">
      <summary>Register a check</summary>
      <CustomerPicker
        company={company}
        id="check-customer"
        label="Customer"
        onPick={(picked) => setCustomer({ customerId: picked.customerId, customerNumber: picked.customerNumber, name: picked.name })}
      />
      <p>
        Customer: <strong data-chosen-customer>{customer ? `${customer.customerNumber} – ${customer.name}` : 'none chosen'}</strong>
      </p>
      <form className="toolbar" onSubmit={(event) => void submit(event)} aria-label="Register a check">
        <Field label="Check number" htmlFor="check-number">
          <input id="check-number" required value={draft.checkNumber} onChange={(event) => set('checkNumber')(event.target.value)} />
        </Field>
        <Field label="Drawer" htmlFor="check-drawer">
          <input id="check-drawer" required value={draft.drawer} onChange={(event) => set('drawer')(event.target.value)} />
        </Field>
        <Field label="Drawer's bank" htmlFor="check-bank">
          <input id="check-bank" required value={draft.drawerBank} onChange={(event) => set('drawerBank')(event.target.value)} />
        </Field>
        <Field label="Amount" htmlFor="check-amount">
          <input id="check-amount" required inputMode="decimal" value={draft.amount} onChange={(event) => set('amount')(event.target.value)} />
        </Field>
        <Field label="Currency" htmlFor="check-currency">
          <input id="check-currency" required maxLength={3} size={4} value={draft.currency} onChange={(event) => set('currency')(event.target.value)} />
        </Field>
        <Field label="Issued" htmlFor="check-issued">
          <input id="check-issued" type="date" required value={draft.issueDate} onChange={(event) => set('issueDate')(event.target.value)} />
        </Field>
        <Field label="Matures" htmlFor="check-matures">
          <input id="check-matures" type="date" required value={draft.maturityDate} onChange={(event) => set('maturityDate')(event.target.value)} />
        </Field>
        <Field label="Received" htmlFor="check-received">
          <input id="check-received" type="date" required value={draft.receivedDate} onChange={(event) => set('receivedDate')(event.target.value)} />
        </Field>
        <div className="field checkbox">
          <input id="check-certified" type="checkbox" checked={draft.certified} onChange={(event) => setDraft({ ...draft, certified: event.target.checked })} />
          <label htmlFor="check-certified">Certified</label>
        </div>
        <button type="submit" disabled={busy || customer === null}>
          Register check
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

/** Shows the company's bank accounts as choices, whose values are the ids that deposits name. */
function AccountSelect({
  id,
  accounts,
  loading,
  value,
  onChange,
}: {
  id: string;
  accounts: BankAccount[];
  loading: boolean;
  value: string;
  onChange(value: string): void;
}) {
  if (loading) return <span className="muted">Loading accounts…</span>;
  if (accounts.length === 0) return <span className="muted">This company has no bank account yet.</span>;
  return (
    <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
      <option value="">(choose)</option>
      {accounts.map((account) => (
        <option key={account.bankAccountId} value={String(account.bankAccountId)}>
          {account.bank} {account.accountNumber} ({account.currency})
        </option>
      ))}
    </select>
  );
}

function ToDeposit({ company, date, go, mayManage }: { company: string; date: string; go(next: { date: string }): void; mayManage: boolean }) {
  const list = useApi<{ date: string; checks: Check[] }>(`/checks/to-deposit${queryString({ company, date })}`);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const checks = list.data?.checks ?? [];
  // A check that left the list (deposited or cancelled meanwhile) no longer counts as ticked.
  const ticked = checks.filter((check) => selected.has(check.checkId));
  const selection: Selection = {
    selected,
    toggle(checkId) {
      const next = new Set(selected);
      if (next.has(checkId)) next.delete(checkId);
      else next.add(checkId);
      setSelected(next);
    },
  };
  return (
    <>
      <div className="toolbar">
        <Field label="Due for deposit on" htmlFor="to-deposit-date">
          <input id="to-deposit-date" type="date" value={date} onChange={(event) => go({ date: event.target.value })} />
        </Field>
      </div>
      <p className="muted">Checks received or in the safe whose business-day maturity is on or before this day.</p>
      <Loading when={list.loading} />
      <ErrorMessage error={list.error} />
      {list.data ? (
        <CheckTable checks={checks} mayManage={mayManage} onChanged={list.reload} selection={mayManage && checks.length > 0 ? selection : undefined} />
      ) : null}
      {/* The form stays while the list reloads, so the notice of the slip just made remains on screen. */}
      {mayManage ? (
        <NewSlip
          key={date}
          company={company}
          date={date}
          checks={ticked}
          onCreated={() => {
            setSelected(new Set());
            list.reload();
          }}
        />
      ) : null}
    </>
  );
}

/** Totals of checks per currency, added exactly on their decimal text. */
function totalsOf(checks: Check[]): { currency: string; count: number; amount: string }[] {
  const byCurrency = new Map<string, Check[]>();
  for (const check of checks) byCurrency.set(check.currency, [...(byCurrency.get(check.currency) ?? []), check]);
  return [...byCurrency].map(([currency, group]) => {
    const decimals = Math.max(...group.map((check) => decimalsOf(check.amount)));
    const sum = group.reduce((total, check) => total + (toMinor(check.amount, decimals) ?? 0n), 0n);
    return { currency, count: group.length, amount: fromMinor(sum, decimals) };
  });
}

/** Records one deposit slip of the ticked checks, which deposits each of them on the slip's date. */
function NewSlip({ company, date, checks, onCreated }: { company: string; date: string; checks: Check[]; onCreated(): void }) {
  const accounts = useApi<{ accounts: BankAccount[] }>('/bank-accounts');
  const choices = (accounts.data?.accounts ?? []).filter((account) => account.company === company);
  const [accountId, setAccountId] = useState('');
  const [slipDate, setSlipDate] = useState(date);
  const [reference, setReference] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const totals = totalsOf(checks);
  const account = choices.find((entry) => String(entry.bankAccountId) === accountId);
  const otherCurrency = account ? checks.filter((check) => check.currency !== account.currency) : [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      const { slip } = await post<{ slip: DepositSlip }>('/deposit-slips', {
        company,
        bankAccountId: Number(accountId),
        date: slipDate,
        checkIds: checks.map((check) => check.checkId),
        ...(reference.trim() ? { reference: reference.trim() } : {}),
      });
      setNotice(`Deposit slip ${slip.slipId} of ${slip.checks.length} checks, ${slip.total} ${slip.currency}, recorded on ${slip.date}.`);
      setReference('');
      onCreated();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel deposit-slip" aria-label="Deposit slip" onSubmit={(event) => void submit(event)}>
      <h2>Deposit slip</h2>
      <p data-slip-selection>
        {checks.length === 0
          ? 'Tick the checks to put on one slip.'
          : totals.map((total) => (
              <span key={total.currency}>
                {total.count} {total.count === 1 ? 'check' : 'checks'}, <Money amount={total.amount} currency={total.currency} />{' '}
              </span>
            ))}
      </p>
      <div className="toolbar">
        <Field label="Bank account" htmlFor="slip-account">
          <AccountSelect id="slip-account" accounts={choices} loading={accounts.loading} value={accountId} onChange={setAccountId} />
        </Field>
        <Field label="Slip date" htmlFor="slip-date">
          <input id="slip-date" type="date" required value={slipDate} onChange={(event) => setSlipDate(event.target.value)} />
        </Field>
        <Field label="Slip reference" htmlFor="slip-reference">
          <input id="slip-reference" value={reference} onChange={(event) => setReference(event.target.value)} />
        </Field>
        <button type="submit" disabled={busy || checks.length === 0 || account === undefined || slipDate === '' || otherCurrency.length > 0}>
          Create deposit slip
        </button>
      </div>
      {otherCurrency.length > 0 ? (
        <p className="error" role="alert">
          The account is in {account!.currency}; checks {otherCurrency.map((check) => check.checkNumber).join(', ')} are not.
        </p>
      ) : null}
      <ErrorMessage error={accounts.error} />
      <ErrorMessage error={error} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
    </form>
  );
}

function Slips({ company }: { company: string }) {
  const list = useApi<{ company: string; slips: DepositSlip[] }>(`/deposit-slips${queryString({ company })}`);
  return (
    <>
      <Loading when={list.loading} />
      <ErrorMessage error={list.error} />
      {list.data ? (
        list.data.slips.length === 0 ? (
          <p className="muted">No deposit slips.</p>
        ) : (
          <table className="compact slips">
            <thead>
              <tr>
                <th scope="col">Slip</th>
                <th scope="col">Date</th>
                <th scope="col">Account</th>
                <th scope="col">Reference</th>
                <th scope="col">Checks</th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.slips.map((slip) => (
                <tr key={slip.slipId} data-slip={slip.slipId}>
                  <td>{slip.slipId}</td>
                  <td>
                    <DateText value={slip.date} />
                  </td>
                  <td>
                    {slip.bank} {slip.accountNumber}
                  </td>
                  <td>{slip.reference ?? ''}</td>
                  <td>
                    {slip.checks.map((check) => check.checkNumber).join(', ')}
                    {slip.cash.length > 0 ? <span className="muted"> and {slip.cash.length} cash lines</span> : null}
                  </td>
                  <td className="num">
                    <Money amount={slip.total} currency={slip.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </>
  );
}

function Schedule({ company, by, go }: { company: string; by: string; go(next: { by: string }): void }) {
  const schedule = useApi<CheckSchedule>(`/checks/schedule${queryString({ company, by })}`);
  const currencies = [...new Set(schedule.data?.rows.map((row) => row.currency) ?? [])];
  return (
    <>
      <div className="toolbar">
        <Field label="Group by" htmlFor="schedule-by">
          <select id="schedule-by" value={by} onChange={(event) => go({ by: event.target.value })}>
            <option value="day">day</option>
            <option value="week">week</option>
            <option value="month">month</option>
          </select>
        </Field>
      </div>
      <Loading when={schedule.loading} />
      <ErrorMessage error={schedule.error} />
      {schedule.data ? (
        schedule.data.rows.length === 0 ? (
          <p className="muted">No uncleared checks.</p>
        ) : (
          <>
            {currencies.map((currency) => (
              <ColumnChart
                key={currency}
                currency={currency}
                title={`Uncleared checks in ${currency} by maturity`}
                names={{ amount: 'Maturing', target: '' }}
                columns={schedule.data!.rows.filter((row) => row.currency === currency).map((row) => ({ label: row.period, amount: row.amount }))}
              />
            ))}
            <table className="compact schedule">
              <thead>
                <tr>
                  <th scope="col">Period</th>
                  <th scope="col">Currency</th>
                  <th scope="col" className="num">
                    Checks
                  </th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody>
                {schedule.data.rows.map((row) => (
                  <tr key={`${row.period}:${row.currency}`}>
                    <td>{row.period}</td>
                    <td>{row.currency}</td>
                    <td className="num">{row.count}</td>
                    <td className="num">
                      <Money amount={row.amount} currency={row.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                {schedule.data.totals.map((row) => (
                  <tr key={row.currency}>
                    <td>Total</td>
                    <td>{row.currency}</td>
                    <td className="num">{row.count}</td>
                    <td className="num">
                      <Money amount={row.amount} currency={row.currency} />
                    </td>
                  </tr>
                ))}
              </tfoot>
            </table>
          </>
        )
      ) : null}
    </>
  );
}

function Returned({ company }: { company: string }) {
  const report = useApi<ReturnedChecks>(`/checks/returned${queryString({ company })}`);
  return (
    <>
      <Loading when={report.loading} />
      <ErrorMessage error={report.error} />
      {report.data ? (
        report.data.rows.length === 0 ? (
          <p className="muted">No returned checks.</p>
        ) : (
          <table className="compact returned">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Reason</th>
                <th scope="col" className="num">
                  Checks
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {report.data.rows.map((row) => (
                <tr key={`${row.customerId}:${row.reason}:${row.currency}`} data-returned={row.customerNumber}>
                  <td>
                    {row.customerNumber} – {row.customerName}
                  </td>
                  <td>{row.reason.replaceAll('_', ' ')}</td>
                  <td className="num">{row.count}</td>
                  <td className="num">
                    <Money amount={row.amount} currency={row.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              {report.data.totals.map((row) => (
                <tr key={row.currency}>
                  <td colSpan={2}>Total</td>
                  <td className="num">{row.count}</td>
                  <td className="num">
                    <Money amount={row.amount} currency={row.currency} />
                  </td>
                </tr>
              ))}
            </tfoot>
          </table>
        )
      ) : null}
    </>
  );
}
