import { useState, type FormEvent } from 'react';
import { ApiError, apiBase, post } from '../api.js';
import { ColumnChart } from '../components/ColumnChart.js';
import { CompanySelect } from '../components/CompanySelect.js';
import { DateText, ErrorMessage, Field, Loading, Money } from '../components/common.js';
import { today } from '../format.js';
import { Link, navigate } from '../router.js';
import { useSession } from '../session.js';
import type { OverdueReview, ReviewAction, ReviewSummary } from '../types.js';
import { useApi } from '../useApi.js';
import { customerHref } from './links.js';

/** Roles that hold overdue reviews: the server's `collections.review`, which enforces it. */
export const reviewRoles: ReadonlySet<string> = new Set(['admin', 'finance', 'credit_manager']);

const statusLabels = { new: 'new on the list', listed: 'listed', gone: 'gone from the list' } as const;

/** Lists the reviews, with the form that creates one. */
export function ReviewsPage() {
  const reviews = useApi<{ reviews: ReviewSummary[] }>('/reviews');
  return (
    <section>
      <h1>Overdue reviews</h1>
      <NewReviewForm />
      <Loading when={reviews.loading} />
      <ErrorMessage error={reviews.error} />
      {reviews.data ? (
        <div className="table-scroll">
          <table>
            <caption>Reviews of the regions in your scope, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Review</th>
                <th scope="col">Company</th>
                <th scope="col">Region</th>
                <th scope="col">Date</th>
                <th scope="col" className="num">
                  Customers
                </th>
                <th scope="col" className="num">
                  Overdue
                </th>
                <th scope="col" className="num">
                  Open actions
                </th>
              </tr>
            </thead>
            <tbody>
              {reviews.data.reviews.length === 0 ? (
                <tr>
                  <td colSpan={7} className="muted">
                    No reviews yet.
                  </td>
                </tr>
              ) : null}
              {reviews.data.reviews.map((review) => (
                <tr key={review.reviewId} data-review={review.reviewId}>
                  <td>
                    <Link href={`/reviews/${review.reviewId}`}>Review {review.reviewId}</Link>
                  </td>
                  <td>{review.company}</td>
                  <td>{review.region}</td>
                  <td>
                    <DateText value={review.date} />
                  </td>
                  <td className="num">{review.customerCount}</td>
                  <td className="num">
                    <Money amount={review.overdue} currency={review.currency} />
                  </td>
                  <td className="num">{review.openActions}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function NewReviewForm() {
  const { companies } = useSession();
  const [company, setCompany] = useState(companies[0]?.code ?? '');
  const [region, setRegion] = useState('');
  const [date, setDate] = useState(today());
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const { review } = await post<{ review: OverdueReview }>('/reviews', { company, region, date });
      navigate(`/reviews/${review.reviewId}`);
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="toolbar" onSubmit={(event) => void submit(event)} aria-label="New review">
      <CompanySelect id="review-company" value={company} onChange={setCompany} />
      <Field label="Region" htmlFor="review-region">
        <input id="review-region" required value={region} onChange={(event) => setRegion(event.target.value)} />
      </Field>
      <Field label="Review date" htmlFor="review-date">
        <input id="review-date" type="date" required value={date} onChange={(event) => setDate(event.target.value)} />
      </Field>
      <button type="submit" disabled={busy}>
        Create review
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

/** Shows one review: totals, the overdue by bucket, the customers with their change, and the actions. */
export function ReviewPage({ reviewId }: { reviewId: string }) {
  const review = useApi<{ review: OverdueReview }>(`/reviews/${reviewId}`);
  const data = review.data?.review;
  return (
    <section>
      <p>
        <Link href="/reviews">All reviews</Link>
      </p>
      <Loading when={review.loading} />
      <ErrorMessage error={review.error} />
      {data ? (
        <>
          <h1>
            Overdue review {data.reviewId}: {data.company} region {data.region}, <DateText value={data.date} />
          </h1>
          <p>
            {data.previous ? (
              <>
                Compared with <Link href={`/reviews/${data.previous.reviewId}`}>review {data.previous.reviewId}</Link> of{' '}
                <DateText value={data.previous.date} />.
              </>
            ) : (
              'First review of this region.'
            )}{' '}
            <a className="button" href={`${apiBase}/reviews/${data.reviewId}/pdf`} download>
              Download the PDF pack
            </a>
          </p>
          <ReviewTotals review={data} />
          <ColumnChart
            title={`Overdue by days past due, ${data.currency}`}
            currency={data.currency}
            columns={data.buckets.slice(1, -1).map((bucket, index) => ({ label: bucket.label, amount: data.totals.bucketAmounts[index + 1] ?? '0' }))}
          />
          <ReviewCustomers review={data} />
          <ReviewActions review={data} onChange={review.reload} />
        </>
      ) : null}
    </section>
  );
}

function ReviewTotals({ review }: { review: OverdueReview }) {
  const { totals, currency } = review;
  const rows: [string, string | null][] = [
    ['Total overdue', totals.overdue],
    ['At the previous review', totals.previousOverdue],
    ['Change', totals.change],
    ['Open balance', totals.balance],
    ['Disputed (in the balance)', totals.disputed],
    ['Uncleared checks', totals.checkCover],
    ['Net exposure', totals.netExposure],
  ];
  return (
    <table data-totals>
      <caption>Totals of the customers on the list, {currency}</caption>
      <tbody>
        {rows.map(([label, amount]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td className="num">
              <Money amount={amount} currency={currency} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ReviewCustomers({ review }: { review: OverdueReview }) {
  const currency = review.currency;
  return (
    <div className="table-scroll">
      <table>
        <caption>Customers with overdue, in {currency}</caption>
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Status</th>
            {['Overdue', 'Previous', 'Change', 'Disputed', 'Checks', 'Net exposure'].map((header) => (
              <th key={header} scope="col" className="num">
                {header}
              </th>
            ))}
            <th scope="col">Promises and disputes</th>
          </tr>
        </thead>
        <tbody>
          {review.customers.map((customer) => (
            <tr key={customer.customerId} data-customer={customer.customerNumber} data-status={customer.status}>
              <th scope="row">
                <Link href={customerHref(customer.customerId, review.company, review.date)}>
                  {customer.customerNumber} {customer.name}
                </Link>
              </th>
              <td>{statusLabels[customer.status]}</td>
              {[customer.overdue, customer.previousOverdue, customer.change, customer.disputed, customer.checkCover, customer.netExposure].map((amount, index) => (
                <td key={index} className="num">
                  <Money amount={amount} currency={currency} />
                </td>
              ))}
              <td>
                {customer.promises.map((promise) => (
                  <div key={`p${promise.promiseId}`}>
                    Promise <Money amount={promise.amount} currency={promise.currency} /> by <DateText value={promise.promisedDate} />
                  </div>
                ))}
                {customer.disputes.map((dispute) => (
                  <div key={`d${dispute.disputeId}`}>
                    Dispute <Money amount={dispute.amount} currency={dispute.currency} /> ({dispute.reason.replace('_', ' ')})
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReviewActions({ review, onChange }: { review: OverdueReview; onChange(): void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const markDone = async (action: ReviewAction) => {
    setError(null);
    try {
      await post(`/reviews/actions/${action.actionId}/done`, { date: today() });
      onChange();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };
  return (
    <section className="panel" aria-labelledby="actions-title">
      <h2 id="actions-title">Agreed actions</h2>
      <ErrorMessage error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Customer</th>
            <th scope="col">Action</th>
            <th scope="col">Owner</th>
            <th scope="col">Due</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {review.actions.length === 0 ? (
            <tr>
              <td colSpan={5} className="muted">
                No actions recorded yet.
              </td>
            </tr>
          ) : null}
          {review.actions.map((action) => (
            <tr key={action.actionId} data-action={action.actionId}>
              <td>{action.customerNumber}</td>
              <td>{action.text}</td>
              <td>{action.owner}</td>
              <td>
                <DateText value={action.due} />
              </td>
              <td>
                {action.status === 'done' ? (
                  <>
                    done <DateText value={action.doneDate} />
                  </>
                ) : (
                  <button type="button" onClick={() => void markDone(action)}>
                    Mark done
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <NewActionForm review={review} onAdded={onChange} />
    </section>
  );
}

function NewActionForm({ review, onAdded }: { review: OverdueReview; onAdded(): void }) {
  const listed = review.customers.filter((customer) => customer.status !== 'gone');
  const [customerNumber, setCustomerNumber] = useState(listed[0]?.customerNumber ?? '');
  const [text, setText] = useState('');
  const [owner, setOwner] = useState('');
  const [due, setDue] = useState(review.date);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await post(`/reviews/${review.reviewId}/actions`, { customerNumber, text, owner, due });
      setText('');
      onAdded();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };
  if (listed.length === 0) return null;
  return (
    <form className="toolbar" onSubmit={(event) => void submit(event)} aria-label="New action">
      <Field label="Customer" htmlFor="action-customer">
        <select id="action-customer" value={customerNumber} onChange={(event) => setCustomerNumber(event.target.value)}>
          {listed.map((customer) => (
            <option key={customer.customerId} value={customer.customerNumber}>
              {customer.customerNumber} {customer.name}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Action" htmlFor="action-text">
        <input id="action-text" required value={text} onChange={(event) => setText(event.target.value)} />
      </Field>
      <Field label="Owner (email)" htmlFor="action-owner">
        <input id="action-owner" type="email" required value={owner} onChange={(event) => setOwner(event.target.value)} />
      </Field>
      <Field label="Due" htmlFor="action-due">
        <input id="action-due" type="date" required min={review.date} value={due} onChange={(event) => setDue(event.target.value)} />
      </Field>
      <button type="submit">Add action</button>
      <ErrorMessage error={error} />
    </form>
  );
}
