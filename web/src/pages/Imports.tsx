import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, upload } from '../api.js';
import { ErrorMessage, Field } from '../components/common.js';
import type { ImportResponse } from '../types.js';
import { useSession } from '../session.js';
import { useApi } from '../useApi.js';

interface ExampleMapping {
  name: string;
  description: string | null;
  mapping: unknown;
}

type Kind = 'ibm-ar' | 'csv';

export function ImportsPage() {
  const { refreshCompanies } = useSession();
  const [kind, setKind] = useState<Kind>('csv');
  const [file, setFile] = useState<File | null>(null);
  const [company, setCompany] = useState('');
  const [currency, setCurrency] = useState('');
  const [mappingText, setMappingText] = useState('');
  const [exampleName, setExampleName] = useState('');
  const [progress, setProgress] = useState<{ loaded: number; total: number } | null>(null);
  const [result, setResult] = useState<ImportResponse | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const examples = useApi<{ mappings: ExampleMapping[] }>(kind === 'csv' ? '/import-mappings' : null);

  useEffect(() => {
    const example = examples.data?.mappings.find((entry) => entry.name === exampleName);
    if (example) setMappingText(JSON.stringify(example.mapping, null, 2));
  }, [exampleName, examples.data]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (file === null) return;
    const form = new FormData();
    if (company.trim()) form.append('company', company.trim());
    if (currency.trim()) form.append('currency', currency.trim().toUpperCase());
    if (kind === 'csv') form.append('mapping', mappingText);
    // The file goes last, so the server has read every field when the file arrives.
    form.append('file', file, file.name);
    setBusy(true);
    setError(null);
    setResult(null);
    setProgress({ loaded: 0, total: file.size });
    try {
      setResult(await upload<ImportResponse>(`/imports/${kind}`, form, (loaded, total) => setProgress({ loaded, total })));
      await refreshCompanies();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, 'client_error', String(caught)));
    } finally {
      setBusy(false);
    }
  };

  const percent = progress && progress.total > 0 ? Math.round((progress.loaded / progress.total) * 100) : 0;
  return (
    <section>
      <h1>Import</h1>
      <form className="stack" onSubmit={(event) => void submit(event)}>
        <fieldset>
          <legend>File layout</legend>
          <div className="field checkbox">
            <input id="kind-csv" type="radio" name="kind" value="csv" checked={kind === 'csv'} onChange={() => setKind('csv')} />
            <label htmlFor="kind-csv">CSV or XLSX open items with a column mapping</label>
          </div>
          <div className="field checkbox">
            <input id="kind-ibm" type="radio" name="kind" value="ibm-ar" checked={kind === 'ibm-ar'} onChange={() => setKind('ibm-ar')} />
            <label htmlFor="kind-ibm">IBM late-payment AR ledger (CSV)</label>
          </div>
        </fieldset>
        <Field label="File" htmlFor="import-file">
          <input
            id="import-file"
            type="file"
            required
            accept={kind === 'csv' ? '.csv,.txt,.xlsx' : '.csv,.txt'}
            onChange={(event) => setFile(event.target.files?.[0] ?? null)}
          />
        </Field>
        <div className="row">
          <Field label="Company code (optional)" htmlFor="import-company">
            <input id="import-company" value={company} onChange={(event) => setCompany(event.target.value)} placeholder="MAIN" />
          </Field>
          <Field label="Currency of a new company (optional)" htmlFor="import-currency">
            <input id="import-currency" value={currency} maxLength={3} onChange={(event) => setCurrency(event.target.value)} placeholder="USD" />
          </Field>
        </div>
        {kind === 'csv' ? (
          <>
            <Field label="Start from an example mapping" htmlFor="import-example">
              <select id="import-example" value={exampleName} onChange={(event) => setExampleName(event.target.value)}>
                <option value="">(none)</option>
                {examples.data?.mappings.map((entry) => (
                  <option key={entry.name} value={entry.name}>
                    {entry.name}
                  </option>
                ))}
              </select>
            </Field>
            <ErrorMessage error={examples.error} />
            <Field label="Column mapping (JSON)" htmlFor="import-mapping">
              <textarea
                id="import-mapping"
                required
                rows={14}
                spellCheck={false}
                value={mappingText}
                onChange={(event) => setMappingText(event.target.value)}
              />
            </Field>
          </>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={busy || file === null}>
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
        {progress ? (
          <div className="field">
            <label htmlFor="import-progress">{busy && percent === 100 ? 'Uploaded, importing…' : `Upload ${percent} %`}</label>
            <progress id="import-progress" max={progress.total || 1} value={progress.loaded} />
          </div>
        ) : null}
      </form>
      <ErrorMessage error={error} />
      {result ? <ImportResult result={result} /> : null}
    </section>
  );
}

function ImportResult({ result }: { result: ImportResponse }) {
  return (
    <section className="panel result" aria-labelledby="import-result" role="status">
      <h2 id="import-result">Imported {result.file}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Company</th>
            <th scope="col">Import id</th>
            <th scope="col" className="num">
              Rows
            </th>
            <th scope="col" className="num">
              Items written
            </th>
            <th scope="col" className="num">
              Items skipped
            </th>
            <th scope="col" className="num">
              Allocations written
            </th>
            <th scope="col" className="num">
              Allocations skipped
            </th>
          </tr>
        </thead>
        <tbody>
          {result.companies.map((entry) => (
            <tr key={entry.company} data-company={entry.company}>
              <td>{entry.company}</td>
              <td data-import-id>{entry.importId ?? 'nothing new'}</td>
              <td className="num">{entry.rows}</td>
              <td className="num" data-items-inserted>
                {entry.itemsInserted}
              </td>
              <td className="num">{entry.itemsSkipped}</td>
              <td className="num">{entry.allocationsInserted}</td>
              <td className="num">{entry.allocationsSkipped}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
