import { useSession } from '../session.js';
import { Field } from './common.js';

/** Renders the Company field: a select of the companies the signed-in user may see, by code and name. */
export function CompanySelect({ id, value, onChange }: { id: string; value: string; onChange(code: string): void }) {
  const { companies } = useSession();
  return (
    <Field label="Company" htmlFor={id}>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {companies.map((entry) => (
          <option key={entry.code} value={entry.code}>
            {entry.code} – {entry.name}
          </option>
        ))}
      </select>
    </Field>
  );
}
