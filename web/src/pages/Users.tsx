import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../api.js';
import { ErrorMessage, Field, Loading } from '../components/common.js';
import type { ListedUser } from '../types.js';
import { useApi } from '../useApi.js';

const roles = [
  'collector',
  'credit_analyst',
  'credit_manager',
  'regional_accountant',
  'treasury',
  'legal',
  'sales',
  'finance',
  'auditor',
  'admin',
] as const;

/** Splits "KW01, US01" into codes; an empty field means no restriction. */
function listField(text: string): string[] | undefined {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.length === 0 ? undefined : entries;
}

export function UsersPage() {
  const users = useApi<{ users: ListedUser[] }>('/users');
  const [error, setError] = useState<ApiError | null>(null);

  const setDisabled = async (email: string, disabled: boolean) => {
    setError(null);
    try {
      await post(`/users/${encodeURIComponent(email)}/${disabled ? 'disable' : 'enable'}`);
      users.reload();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  return (
    <section>
      <h1>Users</h1>
      <Loading when={users.loading} />
      <ErrorMessage error={users.error ?? error} />
      {users.data ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Companies</th>
                <th scope="col">Regions</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((user) => (
                <tr key={user.email} data-user={user.email}>
                  <td>{user.email}</td>
                  <td>{user.name}</td>
                  <td>{user.role.replace('_', ' ')}</td>
                  <td>{user.companies?.join(', ') ?? 'all'}</td>
                  <td>{user.regions?.join(', ') ?? 'all'}</td>
                  <td>{user.disabled ? 'disabled' : user.lockedUntil ? 'locked' : 'active'}</td>
                  <td>
                    <button type="button" onClick={() => void setDisabled(user.email, !user.disabled)}>
                      {user.disabled ? 'Enable' : 'Disable'}
                      <span className="visually-hidden"> {user.email}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <AddUser onAdded={users.reload} />
    </section>
  );
}

function AddUser({ onAdded }: { onAdded(): void }) {
  const empty = { email: '', name: '', role: 'collector', password: '', companies: '', regions: '' };
  const [form, setForm] = useState(empty);
  const [error, setError] = useState<ApiError | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setAdded(null);
    try {
      await post('/users', {
        email: form.email,
        name: form.name || undefined,
        role: form.role,
        password: form.password,
        companies: listField(form.companies),
        regions: listField(form.regions),
      });
      setAdded(form.email);
      setForm(empty);
      onAdded();
    } catch (caught) {
      setError(caught as ApiError);
    }
  };
  const text = (name: keyof typeof empty, label: string, type = 'text') => (
    <Field label={label} htmlFor={`user-${name}`}>
      <input
        id={`user-${name}`}
        type={type}
        value={form[name]}
        required={name === 'email' || name === 'password'}
        autoComplete={type === 'password' ? 'new-password' : 'off'}
        onChange={(event) => setForm({ ...form, [name]: event.target.value })}
      />
    </Field>
  );
  return (
    <form className="panel stack" onSubmit={(event) => void submit(event)} aria-labelledby="add-user">
      <h2 id="add-user">Add a user</h2>
      <div className="row">
        {text('email', 'Email', 'email')}
        {text('name', 'Name')}
        <Field label="Role" htmlFor="user-role">
          <select id="user-role" value={form.role} onChange={(event) => setForm({ ...form, role: event.target.value })}>
            {roles.map((role) => (
              <option key={role} value={role}>
                {role.replace('_', ' ')}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="row">
        {text('password', 'Password (at least 12 characters)', 'password')}
        {text('companies', 'Companies (codes separated by commas, empty for all)')}
        {text('regions', 'Regions (separated by commas, empty for all)')}
      </div>
      <ErrorMessage error={error} />
      {added ? <p role="status">Added {added}.</p> : null}
      <div className="actions">
        <button type="submit">Add user</button>
      </div>
    </form>
  );
}
