import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../api.js';

function signInMessage(error: ApiError): string {
  if (error.code === 'invalid_credentials') return 'The email or password is wrong.';
  if (error.status === 423 || error.code === 'locked') {
    return `This account is locked after too many failed sign-ins. ${error.message}`;
  }
  return error.message;
}

export function SignInPage({ notice, onSignedIn }: { notice?: string; onSignedIn(): void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/auth/login', { email, password });
      onSignedIn();
    } catch (caught) {
      setError(caught instanceof ApiError ? signInMessage(caught) : String(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>ardesk</h1>
      <form onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title">
        <h2 id="sign-in-title">Sign in</h2>
        {notice ? <p className="notice">{notice}</p> : null}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </div>
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
