import { useState } from 'react';
import { queryString } from '../api.js';
import type { CustomerList, CustomerSummary } from '../types.js';
import { useApi } from '../useApi.js';
import { ErrorMessage } from './common.js';

/**
 * Searches a company's customers by number or name and reports the one
 * chosen. The search runs on the server, limited to the user's scope.
 */
export function CustomerPicker({
  company,
  id,
  label,
  onPick,
}: {
  company: string;
  id: string;
  label: string;
  onPick(customer: CustomerSummary): void;
}) {
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  const results = useApi<CustomerList>(search === '' ? null : `/customers${queryString({ company, search, limit: 10, sort: 'number' })}`);
  return (
    <div className="picker">
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <div className="inline-form">
          <input
            id={id}
            type="search"
            value={text}
            placeholder="Number or name"
            onChange={(event) => setText(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                setSearch(text.trim());
              }
            }}
          />
          <button type="button" onClick={() => setSearch(text.trim())}>
            Find
          </button>
        </div>
      </div>
      <ErrorMessage error={results.error} />
      {/* useApi keeps the last response when the path becomes null, so the list is hidden while the search is empty. */}
      {search !== '' && results.data ? (
        results.data.customers.length === 0 ? (
          <p className="muted">No customer matches “{search}”.</p>
        ) : (
          <ul className="picker-results" aria-label="Matching customers">
            {results.data.customers.map((customer) => (
              <li key={customer.customerId}>
                <button
                  type="button"
                  className="link"
                  data-pick={customer.customerNumber}
                  onClick={() => {
                    onPick(customer);
                    setSearch('');
                    setText('');
                  }}
                >
                  {customer.customerNumber} – {customer.name}
                </button>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </div>
  );
}
