import { useState, type FormEvent } from 'react';
import { ApiError, post, upload } from '../api.js';
import { DateText, ErrorMessage, Field, Loading, Money } from '../components/common.js';
import { bankRoles, roleList } from '../roles.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import type { BankAccount, StatementImport, StatementPreview, StatementWarning } from '../types.js';
import { useApi } from '../useApi.js';

const fileTypes = [
  { value: '', label: 'Detect from the file' },
  { value: 'camt053', label: 'camt.053 statement (XML)' },
  { value: 'camt054', label: 'camt.054 notification (XML)' },
  { value: 'mt940', label: 'MT940' },
  { value: 'bai2', label: 'BAI2' },
  { value: 'csv', label: 'CSV export with a column mapping' },
];

function asApiError(caught: unknown): ApiError {
  return caught instanceof ApiError ? caught : new ApiError(0, 'client_error', String(caught));
}

export function BankPage() {
  const { user } = useSession();
  const mayImport = bankRoles.has(user.role);
  return (
    <section>
      <h1>Bank</h1>
      {mayImport ? (
        <StatementUpload />
      ) : (
        <p className="notice" role="status">
          Your role ({user.role.replaceAll('_', ' ')}) cannot import bank statements. The {roleList(bankRoles)} roles can.
        </p>
      )}
      <BankAccounts mayAdd={mayImport} />
    </section>
  );
}

function StatementUpload() {
  const [file, setFile] = useState<File | null>(null);
  const [type, setType] = useState('');
  const [mapping, setMapping] = useState('');
  const [busy, setBusy] = useState<'preview' | 'import' | null>(null);
  const [progress, setProgress] = useState(0);
  const [error, setError] = useState<ApiError | null>(null);
  const [preview, setPreview] = useState<StatementPreview | null>(null);
  const [imported, setImported] = useState<StatementImport | null>(null);

  const send = async (dryRun: boolean) => {
    if (file === null) return;
    const form = new FormData();
    if (type) form.append('type', type);
    if (mapping.trim()) form.append('mapping', mapping);
    form.append('dryRun', dryRun ? 'true' : 'false');
    // The file goes last, so the server has read every field when the file arrives.
    form.append('file', file, file.name);
    setBusy(dryRun ? 'preview' : 'import');
    setError(null);
    setProgress(0);
    try {
      const onProgress = (loaded: number, total: number) => setProgress(total > 0 ? Math.round((loaded / total) * 100) : 0);
      if (dryRun) {
        setImported(null);
        setPreview(await upload<StatementPreview>('/bank-statements', form, onProgress));
      } else {
        setImported(await upload<StatementImport>('/bank-statements', form, onProgress));
      }
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <form
        className="stack panel"
        aria-labelledby="statement-heading"
        onSubmit={(event) => {
          event.preventDefault();
          void send(false);
        }}
      >
        <h2 id="statement-heading">Import a statement</h2>
        <Field label="Statement file" htmlFor="statement-file">
          <input
            id="statement-file"
            type="file"
            required
            accept=".xml,.sta,.mt940,.txt,.bai,.bai2,.csv"
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null);
              setPreview(null);
              setImported(null);
            }}
          />
        </Field>
        <Field label="Format" htmlFor="statement-type">
          <select id="statement-type" value={type} onChange={(event) => setType(event.target.value)}>
            {fileTypes.map((entry) => (
              <option key={entry.value} value={entry.value}>
                {entry.label}
              </option>
            ))}
          </select>
        </Field>
        {type === 'csv' ? (
          <Field label="CSV column mapping (JSON)" htmlFor="statement-mapping">
            <textarea id="statement-mapping" rows={10} spellCheck={false} value={mapping} onChange={(event) => setMapping(event.target.value)} />
          </Field>
        ) : null}
        <div className="actions">
          <button type="button" disabled={busy !== null || file === null} onClick={() => void send(true)}>
            {busy === 'preview' ? 'Reading…' : 'Preview'}
          </button>
          <button type="submit" disabled={busy !== null || file === null}>
            {busy === 'import' ? 'Importing…' : 'Import'}
          </button>
          {busy ? <span className="muted">{progress < 100 ? `Upload ${progress} %` : 'Uploaded, reading…'}</span> : null}
        </div>
      </form>
      <ErrorMessage error={error} />
      {preview ? <Preview preview={preview} /> : null}
      {imported ? <ImportCounts result={imported} /> : null}
    </>
  );
}

function Warnings({ warnings }: { warnings: StatementWarning[] }) {
  if (warnings.length === 0) return null;
  return (
    <div className="notice">
      <p>
        {warnings.length} warning{warnings.length === 1 ? '' : 's'}:
      </p>
      <ul>
        {warnings.map((warning, index) => (
          <li key={index}>
            {warning.file}
            {warning.line === null ? '' : `, line ${warning.line}`}
            {warning.field ? `, ${warning.field}` : ''}
            {warning.value ? ` “${warning.value}”` : ''}: {warning.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Preview({ preview }: { preview: StatementPreview }) {
  return (
    <section className="panel result" aria-labelledby="preview-heading" data-preview>
      <h2 id="preview-heading">
        {preview.file} ({preview.type}): {preview.statements.length} statement{preview.statements.length === 1 ? '' : 's'}, nothing stored
      </h2>
      <Warnings warnings={preview.warnings} />
      {preview.statements.map((statement, index) => (
        <div key={`${statement.account}:${statement.statementId ?? index}`} className="statement" data-statement={statement.statementId ?? ''}>
          <h3>
            {statement.account} {statement.statementId ? <span className="muted">statement {statement.statementId}</span> : null}
          </h3>
          <dl className="facts">
            <div>
              <dt>
                Opening balance{statement.openingDate ? ' on ' : ''}
                {statement.openingDate ? <DateText value={statement.openingDate} /> : null}
              </dt>
              <dd data-opening>
                <Money amount={statement.openingBalance} currency={statement.currency} />
              </dd>
            </div>
            <div>
              <dt>
                Closing balance{statement.closingDate ? ' on ' : ''}
                {statement.closingDate ? <DateText value={statement.closingDate} /> : null}
              </dt>
              <dd data-closing>
                <Money amount={statement.closingBalance} currency={statement.currency} />
              </dd>
            </div>
          </dl>
          <div className="table-scroll">
            <table className="compact">
              <thead>
                <tr>
                  <th scope="col">Booked</th>
                  <th scope="col">Value</th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col">Counterparty</th>
                  <th scope="col">Reference</th>
                  <th scope="col">Remittance</th>
                </tr>
              </thead>
              <tbody>
                {statement.entries.map((entry, entryIndex) => (
                  <tr key={entryIndex} data-entry-row>
                    <td>
                      <DateText value={entry.bookingDate} />
                    </td>
                    <td>
                      <DateText value={entry.valueDate} />
                    </td>
                    <td className="num">
                      <Money amount={entry.amount} currency={statement.currency} />
                    </td>
                    <td>
                      {entry.counterpartyName ?? ''}
                      {entry.counterpartyAccount ? <div className="muted small">{entry.counterpartyAccount}</div> : null}
                    </td>
                    <td>{entry.reference ?? ''}</td>
                    <td>{entry.remittance ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </section>
  );
}

function ImportCounts({ result }: { result: StatementImport }) {
  const waiting = result.applied.reduce((sum, entry) => sum + entry.review + entry.suspense, 0);
  return (
    <section className="panel result" aria-labelledby="imported-heading" role="status" data-imported>
      <h2 id="imported-heading">Imported {result.file}</h2>
      <Warnings warnings={result.warnings} />
      <table className="compact">
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Company</th>
            <th scope="col">Statement</th>
            <th scope="col" className="num">
              Entries
            </th>
            <th scope="col" className="num">
              Credits
            </th>
          </tr>
        </thead>
        <tbody>
          {result.statements.map((statement) => (
            <tr key={statement.statementRef} data-statement={statement.statementRef}>
              <td>{statement.account}</td>
              <td>{statement.company}</td>
              <td>
                {statement.statementRef}
                {statement.stored ? '' : <span className="muted"> (imported before, skipped)</span>}
              </td>
              <td className="num">{statement.entries}</td>
              <td className="num">{statement.credits}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {result.applied.length > 0 ? (
        <table className="compact">
          <thead>
            <tr>
              <th scope="col">Company</th>
              <th scope="col" className="num">
                Credits matched
              </th>
              <th scope="col" className="num">
                Posted
              </th>
              <th scope="col" className="num">
                Unapplied
              </th>
              <th scope="col" className="num">
                To review
              </th>
              <th scope="col" className="num">
                Suspense
              </th>
            </tr>
          </thead>
          <tbody>
            {result.applied.map((entry) => (
              <tr key={entry.company} data-applied={entry.company}>
                <td>{entry.company}</td>
                <td className="num">{entry.entries}</td>
                <td className="num" data-auto-posted>
                  {entry.autoPosted}
                </td>
                <td className="num">{entry.unapplied}</td>
                <td className="num" data-review>
                  {entry.review}
                </td>
                <td className="num">{entry.suspense}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No new credits were matched.</p>
      )}
      <p>
        {waiting > 0 ? `${waiting} credit${waiting === 1 ? '' : 's'} wait for a decision. ` : ''}
        <Link href={`/cash?company=${encodeURIComponent(result.applied[0]?.company ?? '')}&status=review`}>Open the review queue</Link>
      </p>
    </section>
  );
}

function BankAccounts({ mayAdd }: { mayAdd: boolean }) {
  const { companies } = useSession();
  const accounts = useApi<{ accounts: BankAccount[] }>('/bank-accounts');
  const [draft, setDraft] = useState({ company: companies[0]?.code ?? '', bank: '', accountNumber: '', currency: companies[0]?.currency ?? '', glCode: '' });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/bank-accounts', {
        company: draft.company,
        bank: draft.bank.trim(),
        accountNumber: draft.accountNumber.trim(),
        currency: draft.currency.trim().toUpperCase(),
        glCode: draft.glCode.trim() || null,
      });
      setDraft({ ...draft, bank: '', accountNumber: '', glCode: '' });
      accounts.reload();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="accounts-heading">
      <h2 id="accounts-heading">Bank accounts</h2>
      <Loading when={accounts.loading} />
      <ErrorMessage error={accounts.error} />
      {accounts.data ? (
        accounts.data.accounts.length === 0 ? (
          <p className="muted">No bank accounts yet: statements are matched to a company by their account.</p>
        ) : (
          <table className="compact accounts">
            <thead>
              <tr>
                <th scope="col">Company</th>
                <th scope="col">Bank</th>
                <th scope="col">Account</th>
                <th scope="col">Currency</th>
                <th scope="col">GL code</th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.accounts.map((account) => (
                <tr key={account.accountNumber} data-account={account.accountNumber}>
                  <td>{account.company}</td>
                  <td>{account.bank}</td>
                  <td>{account.accountNumber}</td>
                  <td>{account.currency}</td>
                  <td>{account.glCode ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {mayAdd ? (
        <form className="toolbar" onSubmit={(event) => void add(event)} aria-label="Add a bank account">
          <Field label="Company" htmlFor="account-company">
            <select
              id="account-company"
              value={draft.company}
              onChange={(event) =>
                setDraft({ ...draft, company: event.target.value, currency: companies.find((entry) => entry.code === event.target.value)?.currency ?? draft.currency })
              }
            >
              {companies.map((entry) => (
                <option key={entry.code} value={entry.code}>
                  {entry.code}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Bank" htmlFor="account-bank">
            <input id="account-bank" required value={draft.bank} onChange={(event) => setDraft({ ...draft, bank: event.target.value })} />
          </Field>
          <Field label="Account number or IBAN" htmlFor="account-number">
            <input id="account-number" required value={draft.accountNumber} onChange={(event) => setDraft({ ...draft, accountNumber: event.target.value })} />
          </Field>
          <Field label="Currency" htmlFor="account-currency">
            <input
              id="account-currency"
              required
              maxLength={3}
              size={4}
              value={draft.currency}
              onChange={(event) => setDraft({ ...draft, currency: event.target.value })}
            />
          </Field>
          <Field label="GL code (optional)" htmlFor="account-gl">
            <input id="account-gl" size={8} value={draft.glCode} onChange={(event) => setDraft({ ...draft, glCode: event.target.value })} />
          </Field>
          <button type="submit" disabled={busy}>
            Add account
          </button>
        </form>
      ) : null}
      <ErrorMessage error={error} />
    </section>
  );
}
