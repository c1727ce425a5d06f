import { useState } from 'react';
import { ApiError, apiBase, get, post, queryString } from '../api.js';
import { CompanySelect } from '../components/CompanySelect.js';
import { DateText, ErrorMessage, Field, Loading, Money, Notice } from '../components/common.js';
import { today } from '../format.js';
import { navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';
import type { DunningLetter, DunningLetterStatus, DunningProposalLetter, DunningRun, DunningRunSummary, DunningSendResult, DunningTotal } from '../types.js';
import { useApi } from '../useApi.js';

/** Roles with dunning.run and dunning.approve; the server checks them again. */
const runRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'credit_manager', 'collector']);
const approveRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'credit_manager']);

const letterStatusWords: Record<DunningLetterStatus, string> = {
  proposed: 'In review',
  dropped: 'Dropped',
  approved: 'Approved',
  sent: 'Sent',
  failed: 'Failed',
  printed: 'Printed',
};

function asApiError(caught: unknown): ApiError {
  return caught instanceof ApiError ? caught : new ApiError(0, 'client_error', String(caught));
}

function Totals({ totals }: { totals: DunningTotal[] }) {
  if (totals.length === 0) return <span className="muted">–</span>;
  return (
    <ul className="plain">
      {totals.map((total) => (
        <li key={total.currency}>
          <Money amount={total.total} currency={total.currency} />
        </li>
      ))}
    </ul>
  );
}

/**
 * Dunning: preview the letters as of a date, store them as a run, drop
 * letters in review, approve (a second person), send by mail and download
 * each letter as PDF.
 */
export function DunningPage() {
  const { companies, user } = useSession();
  const { query } = useLocation();
  const company = query.get('company') || companies[0]?.code || '';
  const runId = query.get('run');
  const [asOf, setAsOf] = useState(today());
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<DunningProposalLetter[] | null>(null);
  const go = (next: { company?: string; run?: string | null }) =>
    navigate(`/dunning${queryString({ company, run: runId, ...next })}`, { replace: true });
  const runs = useApi<{ runs: DunningRunSummary[] }>(`/dunning/runs${queryString({ company })}`);
  const mayRun = runRoles.has(user.role);

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  const createRun = () =>
    act(async () => {
      const { run } = await post<{ run: DunningRun }>('/dunning/runs', { company, asOf });
      setPreview(null);
      runs.reload();
      go({ run: run.runId });
    });

  const showPreview = () =>
    act(async () => {
      const proposal = await get<{ letters: DunningProposalLetter[] }>(`/dunning/proposal${queryString({ company, asOf })}`);
      setPreview(proposal.letters);
    });

  return (
    <section>
      <h1>Dunning</h1>
      <div className="toolbar">
        <CompanySelect id="dunning-company" value={company} onChange={(code) => go({ company: code, run: null })} />
        <Field label="As of" htmlFor="dunning-as-of">
          <input id="dunning-as-of" type="date" value={asOf} onChange={(event) => setAsOf(event.target.value)} />
        </Field>
        <button type="button" disabled={busy} onClick={() => void showPreview()}>
          Preview letters
        </button>
        {mayRun ? (
          <button type="button" disabled={busy} onClick={() => void createRun()}>
            Create run
          </button>
        ) : null}
      </div>
      <ErrorMessage error={error} />
      {preview ? <ProposalTable letters={preview} /> : null}
      <h2>Runs</h2>
      <Loading when={runs.loading} />
      <ErrorMessage error={runs.error} />
      {runs.data ? <RunList runs={runs.data.runs} selected={runId} onSelect={(id) => go({ run: id })} /> : null}
      {runId ? <RunDetail key={runId} runId={runId} onChanged={runs.reload} /> : null}
    </section>
  );
}

function ProposalTable({ letters }: { letters: DunningProposalLetter[] }) {
  if (letters.length === 0) return <p className="muted">No customer has anything to dun on this date.</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Proposed letters">
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Level</th>
            <th scope="col">Items</th>
            <th scope="col">Sent to</th>
            <th scope="col" className="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {letters.map((letter) => (
            <tr key={letter.customerId}>
              <td>
                {letter.customerNumber} {letter.customerName}
              </td>
              <td>{letter.level}</td>
              <td>{letter.items.map((item) => `${item.documentNumber} (${item.daysPastDue} days)`).join(', ')}</td>
              <td>{letter.email ?? <span className="muted">print</span>}</td>
              <td className="num">
                <Totals totals={letter.totals} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunList({ runs, selected, onSelect }: { runs: DunningRunSummary[]; selected: string | null; onSelect(id: string): void }) {
  if (runs.length === 0) return <p className="muted">No dunning runs yet.</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Dunning runs">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">As of</th>
            <th scope="col">Status</th>
            <th scope="col">Created by</th>
            <th scope="col">Approved by</th>
            <th scope="col" className="num">
              Letters
            </th>
            <th scope="col" className="num">
              Sent
            </th>
            <th scope="col" className="num">
              Failed
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.runId} aria-current={run.runId === selected ? 'true' : undefined}>
              <td>
                <button type="button" className="link" onClick={() => onSelect(run.runId)}>
                  Run {run.runId}
                </button>
              </td>
              <td>
                <DateText value={run.asOf} />
              </td>
              <td>{run.status === 'approved' ? 'Approved' : 'In review'}</td>
              <td>{run.createdBy}</td>
              <td>{run.approvedBy ?? <span className="muted">–</span>}</td>
              <td className="num">{run.letters - run.dropped}</td>
              <td className="num">{run.sent}</td>
              <td className="num">{run.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunDetail({ runId, onChanged }: { runId: string; onChanged(): void }) {
  const { user } = useSession();
  const detail = useApi<{ run: DunningRun }>(`/dunning/runs/${runId}`);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = detail.data?.run;
  const mayRun = runRoles.has(user.role);

  const act = async (work: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await work());
      detail.reload();
      onChanged();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  };

  if (!run) {
    return (
      <>
        <Loading when={detail.loading} />
        <ErrorMessage error={detail.error} />
      </>
    );
  }
  const pending = run.letters.filter((letter) => letter.status === 'approved' || letter.status === 'failed').length;
  return (
    <section aria-label={`Dunning run ${run.runId}`}>
      <h2>
        Run {run.runId} as of <DateText value={run.asOf} />
      </h2>
      <p>
        <span className="status" data-status={run.status}>
          {run.status === 'approved' ? `Approved by ${run.approvedBy}` : 'In review'}
        </span>
        <span className="muted"> · created by {run.createdBy}</span>
      </p>
      <div className="toolbar">
        {run.approvableByYou ? (
          <button type="button" disabled={busy} onClick={() => void act(async () => (await post(`/dunning/runs/${run.runId}/approve`), 'Run approved.'))}>
            Approve run
          </button>
        ) : null}
        {run.status === 'proposed' && !run.approvableByYou && approveRoles.has(user.role) ? (
          <p className="muted">You created this run: another person approves it.</p>
        ) : null}
        {run.status === 'approved' && mayRun && pending > 0 ? (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                const result = await post<DunningSendResult>(`/dunning/runs/${run.runId}/send`);
                return `Sent ${result.sent}, failed ${result.failed}, ${result.toPrint} without a contact to print, ${result.paid} paid since approval and dropped.`;
              })
            }
          >
            Send letters
          </button>
        ) : null}
      </div>
      <Notice message={notice} />
      <ErrorMessage error={error} />
      <LetterTable run={run} busy={busy} mayDrop={mayRun && run.status === 'proposed'} onDrop={(letter) => void act(async () => (await post(`/dunning/runs/${run.runId}/letters/${letter.letterId}/drop`, {}), `Letter to ${letter.customerNumber} dropped.`))} />
      <p>
        Total of the letters kept: <Totals totals={run.totals} />
      </p>
    </section>
  );
}

function LetterTable({ run, busy, mayDrop, onDrop }: { run: DunningRun; busy: boolean; mayDrop: boolean; onDrop(letter: DunningLetter): void }) {
  if (run.letters.length === 0) return <p className="muted">This run has no letters.</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Letters">
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Level</th>
            <th scope="col">Items</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Fee
            </th>
            <th scope="col" className="num">
              Total
            </th>
            <th scope="col">Letter</th>
          </tr>
        </thead>
        <tbody>
          {run.letters.map((letter) => (
            <tr key={letter.letterId} data-letter={letter.customerNumber}>
              <td>
                {letter.customerNumber} {letter.customerName}
                <span className="muted small"> ({letter.language === 'ar' ? 'Arabic' : 'English'})</span>
              </td>
              <td>{letter.level}</td>
              <td>
                <ul className="plain">
                  {letter.items.map((item) => (
                    <li key={item.itemId}>
                      {item.documentNumber}, {item.daysPastDue} days: <Money amount={item.openAmount} currency={item.currency} />
                    </li>
                  ))}
                </ul>
              </td>
              <td className="letter-status" data-status={letter.status}>
                {letterStatusWords[letter.status]}
                {letter.toAddress ? <span className="muted small"> to {letter.toAddress}</span> : null}
                {letter.error ? <span className="error small"> {letter.error}</span> : null}
              </td>
              <td className="num">{letter.fee && letter.feeCurrency ? <Money amount={letter.fee} currency={letter.feeCurrency} /> : <span className="muted">–</span>}</td>
              <td className="num">
                <Totals totals={letter.totals} />
              </td>
              <td>
                <a href={`${apiBase}/dunning/letters/${letter.letterId}/pdf`} download>
                  PDF
                </a>
                {mayDrop && letter.status === 'proposed' ? (
                  <button type="button" disabled={busy} onClick={() => onDrop(letter)}>
                    Drop
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
