import type { ReactNode } from 'react';
import type { ApiError } from '../api.js';
import { formatDate, groupDigits } from '../format.js';
import { useDateFormat } from '../session.js';

/** An exact amount with thousands separators and its currency code. */
export function Money({ amount, currency }: { amount: string | null | undefined; currency: string }) {
  if (amount === null || amount === undefined) return <span className="money muted">–</span>;
  return (
    <span className={amount.startsWith('-') ? 'money negative' : 'money'}>
      {groupDigits(amount)}&nbsp;<span className="currency">{currency}</span>
    </span>
  );
}

/** A date in the user's chosen format. */
export function DateText({ value }: { value: string | null | undefined }) {
  const format = useDateFormat();
  return <span className="date">{formatDate(value, format)}</span>;
}

export function ErrorMessage({ error }: { error: ApiError | null }) {
  if (error === null) return null;
  return (
    <p className="error" role="alert">
      {error.message}
      {error.field ? <span className="muted"> (field: {error.field})</span> : null}
    </p>
  );
}

/** Shows a status message, such as the outcome of an action, for screen readers to announce. Renders nothing when empty. */
export function Notice({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="notice" role="status">
      {message}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p className="muted" aria-live="polite">Loading…</p> : null;
}

/** Previous and next page buttons with the range shown. */
export function Pager({
  total,
  limit,
  offset,
  onChange,
}: {
  total: number;
  limit: number;
  offset: number;
  onChange(offset: number): void;
}) {
  const last = Math.min(total, offset + limit);
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        Previous
      </button>
      <span>
        {total === 0 ? 'none' : `${offset + 1}–${last} of ${total}`}
      </span>
      <button type="button" disabled={last >= total} onClick={() => onChange(offset + limit)}>
        Next
      </button>
    </nav>
  );
}

export function Field({ label, children, htmlFor }: { label: string; htmlFor: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={htmlFor}>{label}</label>
      {children}
    </div>
  );
}
