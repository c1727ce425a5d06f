import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, get, onUnauthenticated, patch, post } from './api.js';
import { ErrorMessage } from './components/common.js';
import { AgingPage } from './pages/Aging.js';
import { AuditPage } from './pages/Audit.js';
import { BankPage } from './pages/Bank.js';
import { CashPage } from './pages/Cash.js';
import { CashReceiptsPage } from './pages/CashReceipts.js';
import { ChecksPage } from './pages/Checks.js';
import { CollectionsPage } from './pages/Collections.js';
import { ReviewPage, ReviewsPage, reviewRoles } from './pages/Reviews.js';
import { CustomerPage } from './pages/Customer.js';
import { CustomersPage } from './pages/Customers.js';
import { DashboardPage } from './pages/Dashboard.js';
import { DunningPage } from './pages/Dunning.js';
import { ImportsPage } from './pages/Imports.js';
import { SignInPage } from './pages/SignIn.js';
import { UsersPage } from './pages/Users.js';
import { WorklistPage } from './pages/Worklist.js';
import { StrategiesPage } from './pages/Strategies.js';
import { adminRoles, auditRoles, bankRoles, importRoles, roleList } from './roles.js';
import { Link, navigate, useLocation } from './router.js';
import { SessionContext, useSession, type Session } from './session.js';
import { dateFormats, type Company, type DateFormat, type User } from './types.js';

type Boot =
  | { state: 'loading' }
  | { state: 'signedOut'; notice?: string }
  | { state: 'failed'; error: ApiError }
  | { state: 'signedIn'; user: User; companies: Company[] };

export function App() {
  const [boot, setBoot] = useState<Boot>({ state: 'loading' });

  const loadSession = useCallback(async () => {
    try {
      const { user } = await get<{ user: User }>('/auth/me');
      const { companies } = await get<{ companies: Company[] }>('/companies');
      setBoot({ state: 'signedIn', user, companies });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setBoot({ state: 'signedOut' });
      else setBoot({ state: 'failed', error: error as ApiError });
    }
  }, []);

  useEffect(() => {
    void loadSession();
  }, [loadSession]);

  useEffect(
    () =>
      onUnauthenticated(() =>
        setBoot((current) =>
          current.state === 'signedIn' ? { state: 'signedOut', notice: 'Your session has ended. Please sign in again.' } : current,
        ),
      ),
    [],
  );

  if (boot.state === 'loading') return <p className="boot muted">Loading ardesk…</p>;
  if (boot.state === 'failed') {
    return (
      <main className="boot">
        <h1>ardesk</h1>
        <ErrorMessage error={boot.error} />
        <button type="button" onClick={() => void loadSession()}>
          Try again
        </button>
      </main>
    );
  }
  if (boot.state === 'signedOut') return <SignInPage notice={boot.notice} onSignedIn={() => void loadSession()} />;
  return (
    <SignedIn
      user={boot.user}
      companies={boot.companies}
      setUser={(user) => setBoot({ ...boot, user })}
      refreshCompanies={async () => {
        const { companies } = await get<{ companies: Company[] }>('/companies');
        setBoot((current) => (current.state === 'signedIn' ? { ...current, companies } : current));
      }}
      onSignedOut={() => setBoot({ state: 'signedOut', notice: 'You have signed out.' })}
    />
  );
}

function SignedIn({
  user,
  companies,
  setUser,
  refreshCompanies,
  onSignedOut,
}: {
  user: User;
  companies: Company[];
  setUser(user: User): void;
  refreshCompanies(): Promise<void>;
  onSignedOut(): void;
}) {
  const session = useMemo<Session>(
    () => ({
      user,
      companies,
      setUser,
      refreshCompanies,
      async signOut() {
        try {
          await post('/auth/logout');
        } finally {
          navigate('/', { replace: true });
          onSignedOut();
        }
      },
    }),
    [user, companies, setUser, refreshCompanies, onSignedOut],
  );
  const { path } = useLocation();
  const links = [
    { href: '/', label: 'Dashboard' },
    { href: '/aging', label: 'Aging' },
    { href: '/customers', label: 'Customers' },
    { href: '/cash', label: 'Cash' },
    { href: '/cash-receipts', label: 'Cash receipts' },
    { href: '/checks', label: 'Checks' },
    { href: '/collections', label: 'Collections' },
    ...(reviewRoles.has(user.role) ? [{ href: '/reviews', label: 'Reviews' }] : []),
    { href: '/dunning', label: 'Dunning' },
    ...(['admin', 'finance', 'credit_manager', 'collector', 'credit_analyst', 'sales'].includes(user.role) ? [{ href: '/worklist', label: 'Worklist' }] : []),
    { href: '/strategies', label: 'Strategies' },
    ...(importRoles.has(user.role) ? [{ href: '/imports', label: 'Imports' }] : []),
    ...(bankRoles.has(user.role) ? [{ href: '/bank', label: 'Bank' }] : []),
    ...(adminRoles.has(user.role) ? [{ href: '/users', label: 'Users' }] : []),
    ...(auditRoles.has(user.role) ? [{ href: '/audit', label: 'Audit trail' }] : []),
  ];
  const current = (href: string) => (href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`));
  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">ardesk</span>
        <nav aria-label="Main">
          {links.map((link) => (
            <Link key={link.href} href={link.href} aria-current={current(link.href) ? 'page' : undefined}>
              {link.label}
            </Link>
          ))}
        </nav>
        <ProfileMenu />
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} role={user.role} />
      </main>
    </SessionContext.Provider>
  );
}

function Page({ path, role }: { path: string; role: string }) {
  if (path === '/' || path === '/dashboard') return <DashboardPage />;
  if (path === '/aging') return <AgingPage />;
  if (path === '/customers') return <CustomersPage />;
  const customer = /^\/customers\/(\d+)$/.exec(path);
  if (customer) return <CustomerPage customerId={customer[1]!} />;
  if (path === '/imports') return importRoles.has(role) ? <ImportsPage /> : <ImportsNotAllowed role={role} />;
  if (path === '/cash') return <CashPage />;
  if (path === '/cash-receipts') return <CashReceiptsPage />;
  if (path === '/bank') return <BankPage />;
  if (path === '/checks') return <ChecksPage />;
  if (path === '/collections') return <CollectionsPage />;
  if (path === '/reviews' && reviewRoles.has(role)) return <ReviewsPage />;
  if (/^\/reviews\/\d+$/.test(path) && reviewRoles.has(role)) return <ReviewPage reviewId={path.slice('/reviews/'.length)} />;
  if (path === '/dunning') return <DunningPage />;
  if (path === '/worklist') return <WorklistPage />;
  if (path === '/strategies') return <StrategiesPage />;
  if (path === '/users' && adminRoles.has(role)) return <UsersPage />;
  if (path === '/audit' && auditRoles.has(role)) return <AuditPage />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at {path}. <Link href="/">Go to the dashboard</Link>.
      </p>
    </section>
  );
}

/** Takes the place of the import form for a role that may not import. */
function ImportsNotAllowed({ role }: { role: string }) {
  return (
    <section>
      <h1>Import</h1>
      <p className="notice" role="status">
        Your role ({role.replaceAll('_', ' ')}) cannot import ledgers. Imports are open to the {roleList(importRoles)}{' '}
        roles: ask one of them to import the file.
      </p>
      <p>
        <Link href="/">Go to the dashboard</Link>.
      </p>
    </section>
  );
}

/** Shows the user's name, their date format setting and the sign-out button. */
function ProfileMenu() {
  const { user, setUser, signOut } = useSession();
  const [error, setError] = useState<ApiError | null>(null);
  const changeFormat = async (dateFormat: DateFormat) => {
    setError(null);
    try {
      const response = await patch<{ user: User }>('/auth/me', { dateFormat });
      setUser(response.user);
    } catch (caught) {
      setError(caught as ApiError);
    }
  };
  return (
    <details className="profile">
      <summary>
        {user.name || user.email} <span className="muted">({user.role.replaceAll('_', ' ')})</span>
      </summary>
      <div className="menu">
        <p className="muted">{user.email}</p>
        <label htmlFor="date-format">Date format</label>
        <select id="date-format" value={user.dateFormat} onChange={(event) => void changeFormat(event.target.value as DateFormat)}>
          {dateFormats.map((format) => (
            <option key={format} value={format}>
              {format}
            </option>
          ))}
        </select>
        <ErrorMessage error={error} />
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </details>
  );
}
