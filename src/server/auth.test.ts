import { randomBytes, scrypt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser, signIn } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import {
  cliActor,
  lockoutMinutes,
  maxFailedSignIns,
  revokeTokens,
  sessionHours,
  setUserDisabled,
  signIn as signInAt,
} from '../auth/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
/** The app's clock; tests move it forward instead of sleeping. */
let now = new Date('2026-06-01T08:00:00Z');

beforeAll(async () => {
  db = await openTestDb();
  app = await buildApp(db, { logLevel: 'silent', clock: () => now });
});
afterAll(async () => {
  await app.close();
  await db.close();
});

function advance(minutes: number): void {
  now = new Date(now.getTime() + minutes * 60_000);
}

function login(email: string, password: string) {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
}

function me(headers: Record<string, string>) {
  return app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
}

function patchMe(headers: Record<string, string>, dateFormat = 'DD.MM.YYYY') {
  return app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers, payload: { dateFormat } });
}

async function lastEvent(): Promise<{ action: string; outcome: string; reason: string | null; actor_email: string }> {
  const result = await db.query<{ action: string; outcome: string; reason: string | null; actor_email: string }>(
    'select action, outcome, reason, actor_email from audit_event order by event_id desc limit 1',
  );
  return result.rows[0]!;
}

describe('sign-in', () => {
  it('sets the session and CSRF cookies', async () => {
    const user = await createTestUser(db, { role: 'collector', name: 'Ana Collector' });
    const response = await login(user.email.toUpperCase(), user.password);
    expect(response.statusCode).toBe(200);
    expect(response.json().user).toEqual({
      email: user.email,
      name: 'Ana Collector',
      role: 'collector',
      companies: null,
      regions: null,
      dateFormat: 'YYYY-MM-DD',
    });
    const cookies = Object.fromEntries(response.cookies.map((cookie) => [cookie.name, cookie]));
    expect(cookies.ardesk_session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookies.ardesk_csrf!.httpOnly).toBeUndefined();
    expect(cookies.ardesk_session!.maxAge).toBe(sessionHours * 3600);
    const stored = await db.query<{ session_hash: string }>('select session_hash from user_session');
    expect(stored.rows.map((row) => row.session_hash)).not.toContain(cookies.ardesk_session!.value);
  });

  it('rejects a wrong password', async () => {
    const user = await createTestUser(db, { role: 'sales' });
    const response = await login(user.email, `${user.password}x`);
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('invalid_credentials');
    expect(response.cookies).toEqual([]);
    expect(await lastEvent()).toMatchObject({ action: 'auth.login', outcome: 'denied', actor_email: user.email });
  });

  it('rejects an unknown email the same way', async () => {
    const response = await login('nobody@example.test', 'some password here');
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('invalid_credentials');
  });

  it('needs no sign-in for health and docs', async () => {
    expect((await app.inject({ url: '/api/v1/health' })).statusCode).toBe(200);
    const docs = await app.inject({ url: '/api/docs/json' });
    expect(docs.statusCode).toBe(200);
    const document = docs.json();
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['bearerAuth', 'cookieAuth']);
    expect(document.paths['/api/v1/health'].get.security).toEqual([]);
    expect(document.paths['/api/v1/auth/me'].get.security).toBeUndefined();
  });

  it('answers 401 without credentials', async () => {
    const response = await app.inject({ url: '/api/v1/companies' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthenticated');
  });
});

describe('lockout', () => {
  it(`locks after ${maxFailedSignIns} failures for ${lockoutMinutes} minutes`, async () => {
    const user = await createTestUser(db, { role: 'finance' });
    for (let attempt = 1; attempt < maxFailedSignIns; attempt++) {
      expect((await login(user.email, 'wrong password 123')).statusCode).toBe(401);
    }
    const locking = await login(user.email, 'wrong password 123');
    expect(locking.statusCode).toBe(423);
    expect(locking.json().error.code).toBe('locked');

    // Even the right password is rejected while locked.
    advance(lockoutMinutes - 1);
    const stillLocked = await login(user.email, user.password);
    expect(stillLocked.statusCode).toBe(423);

    advance(2);
    const unlocked = await login(user.email, user.password);
    expect(unlocked.statusCode).toBe(200);
    const row = await db.query<{ failed_attempts: number; locked_until: unknown }>(
      'select failed_attempts, locked_until from app_user where email = $1',
      [user.email],
    );
    expect(row.rows[0]).toEqual({ failed_attempts: 0, locked_until: null });
  });

  it('a success resets the failure count', async () => {
    const user = await createTestUser(db, { role: 'finance' });
    for (let attempt = 1; attempt < maxFailedSignIns; attempt++) await login(user.email, 'wrong password 123');
    expect((await login(user.email, user.password)).statusCode).toBe(200);
    for (let attempt = 1; attempt < maxFailedSignIns; attempt++) {
      expect((await login(user.email, 'wrong password 123')).statusCode).toBe(401);
    }
  });
});

/**
 * Stores the password's hash with a higher scrypt cost (N = 2^16), so that
 * checking it takes long enough for a test to change the account meanwhile.
 */
async function storeSlowHash(email: string, password: string): Promise<void> {
  const salt = randomBytes(16);
  const [N, r, p] = [2 ** 16, 8, 1];
  const key = await new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, 32, { N, r, p, maxmem: 256 * N * r }, (error, derived) => {
      if (error) reject(error);
      else resolve(derived);
    });
  });
  const hash = ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
  await db.query('update app_user set password_hash = $2 where email = $1', [email, hash]);
}

async function lockState(email: string): Promise<{ failed_attempts: number; locked_until: string | null; sessions: number }> {
  const result = await db.query<{ failed_attempts: number; locked_until: string | null; sessions: bigint }>(
    `select failed_attempts,
            to_char(locked_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as locked_until,
            (select count(*) from user_session s where s.user_id = u.user_id) as sessions
     from app_user u where email = $1`,
    [email],
  );
  const row = result.rows[0]!;
  return { failed_attempts: row.failed_attempts, locked_until: row.locked_until, sessions: Number(row.sessions) };
}

describe('lockout under concurrent sign-ins', () => {
  it('right password sent with 29 wrong ones opens no session', async () => {
    const user = await createTestUser(db, { role: 'finance' });
    const passwords = [...Array.from({ length: 29 }, (_, index) => `wrong password ${index} padding`), user.password];
    const responses = await Promise.all(passwords.map((password) => login(user.email, password)));
    const statuses = responses.map((response) => response.statusCode);

    expect(statuses.at(-1)).toBe(423);
    expect(statuses.filter((status) => status === 200)).toEqual([]);
    // Only the failures before the lock get 401, and every later sign-in gets 423.
    expect(statuses.filter((status) => status === 401).length).toBe(maxFailedSignIns - 1);
    expect(statuses.filter((status) => status === 423).length).toBe(passwords.length - (maxFailedSignIns - 1));
    const state = await lockState(user.email);
    expect(state.locked_until).toBe(new Date(now.getTime() + lockoutMinutes * 60_000).toISOString());
    expect(state.failed_attempts).toBeGreaterThanOrEqual(maxFailedSignIns);
    expect(state.sessions).toBe(0);
  });

  it('right password opens no session when locked meanwhile', async () => {
    const user = await createTestUser(db, { role: 'finance' });
    await storeSlowHash(user.email, user.password);
    const until = new Date(now.getTime() + lockoutMinutes * 60_000);
    const pending = signInAt(db, user.email, user.password, () => now);
    await db.query('update app_user set failed_attempts = $2, locked_until = $3 where email = $1', [
      user.email,
      maxFailedSignIns,
      until.toISOString(),
    ]);
    expect(await pending).toEqual({ outcome: 'locked', lockedUntil: until });
    expect(await lockState(user.email)).toEqual({
      failed_attempts: maxFailedSignIns,
      locked_until: until.toISOString(),
      sessions: 0,
    });
  });

  it('wrong password keeps a lock set meanwhile', async () => {
    const user = await createTestUser(db, { role: 'finance' });
    await storeSlowHash(user.email, user.password);
    const until = new Date(now.getTime() + lockoutMinutes * 60_000);
    const pending = signInAt(db, user.email, 'wrong password 123', () => now);
    await db.query('update app_user set failed_attempts = $2, locked_until = $3 where email = $1', [
      user.email,
      maxFailedSignIns,
      until.toISOString(),
    ]);
    expect(await pending).toEqual({ outcome: 'locked', lockedUntil: until });
    const state = await lockState(user.email);
    expect(state.locked_until).toBe(until.toISOString());
    expect(state.failed_attempts).toBeGreaterThanOrEqual(maxFailedSignIns);
  });
});

describe('unknown and disabled emails', () => {
  it('get the responses of a wrong password', async () => {
    const known = await createTestUser(db, { role: 'finance' });
    const disabled = await createTestUser(db, { role: 'finance' });
    await setUserDisabled(db, disabled.email, true, cliActor());
    const emails = [known.email, 'Ghost-1@Example.test', disabled.email];
    const answers = async (password: (email: string) => string) => {
      const result: { status: number; body: unknown }[] = [];
      for (const email of emails) {
        const response = await login(email, password(email));
        result.push({ status: response.statusCode, body: response.json() });
      }
      return result;
    };
    const wrong = () => 'wrong password 123';

    for (let attempt = 1; attempt <= maxFailedSignIns; attempt++) {
      const [first, ...rest] = await answers(wrong);
      expect(first!.status).toBe(attempt < maxFailedSignIns ? 401 : 423);
      for (const other of rest) expect(other).toEqual(first);
    }

    advance(lockoutMinutes - 1);
    const [locked, ...lockedRest] = await answers(wrong);
    expect(locked!.status).toBe(423);
    for (const other of lockedRest) expect(other).toEqual(locked);
    // The count of an unknown email is kept per lower-cased address.
    expect((await login('ghost-1@example.test', 'wrong password 123')).statusCode).toBe(423);
    // Even the right password of the disabled user gets the same 423.
    expect((await login(disabled.email, disabled.password)).json()).toEqual(locked!.body);

    advance(2);
    const [unlocked, ...unlockedRest] = await answers(wrong);
    expect(unlocked!.status).toBe(401);
    for (const other of unlockedRest) expect(other).toEqual(unlocked);
  });
});

describe('sessions', () => {
  it('serves reads with the cookie alone', async () => {
    const user = await createTestUser(db, { role: 'legal' });
    const session = await signIn(app, user.email, user.password);
    const response = await me({ cookie: session.cookie });
    expect(response.statusCode).toBe(200);
    expect(response.json().user.email).toBe(user.email);
  });

  it('writes need the CSRF header', async () => {
    const user = await createTestUser(db, { role: 'legal' });
    const session = await signIn(app, user.email, user.password);
    const missing = await patchMe({ cookie: session.cookie });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('csrf');
    const wrong = await patchMe({ cookie: session.cookie, 'x-csrf-token': `${session.csrf}x` });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('csrf');
    const stored = await db.query<{ date_format: string }>('select date_format from app_user where email = $1', [user.email]);
    expect(stored.rows[0]!.date_format).toBe('YYYY-MM-DD');

    const ok = await patchMe({ cookie: session.cookie, 'x-csrf-token': session.csrf });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.dateFormat).toBe('DD.MM.YYYY');
  });

  it("rejects another session's CSRF value", async () => {
    const user = await createTestUser(db, { role: 'legal' });
    const mine = await signIn(app, user.email, user.password);
    const other = await signIn(app, user.email, user.password);
    // Cookie and header agree, but the value belongs to the other session.
    const sessionPart = mine.cookie.split(';')[0]!;
    const response = await patchMe({ cookie: `${sessionPart}; ardesk_csrf=${other.csrf}`, 'x-csrf-token': other.csrf });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('csrf');
  });

  it('token writes need no CSRF header', async () => {
    const user = await createTestUser(db, { role: 'legal' });
    const response = await patchMe(bearer(user.token), 'MM/DD/YYYY');
    expect(response.statusCode).toBe(200);
    expect(response.json().user.dateFormat).toBe('MM/DD/YYYY');
  });

  it('sign-out ends the session', async () => {
    const user = await createTestUser(db, { role: 'legal' });
    const session = await signIn(app, user.email, user.password);
    const out = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    });
    expect(out.statusCode).toBe(204);
    const cleared = Object.fromEntries(out.cookies.map((cookie) => [cookie.name, cookie.value]));
    expect(cleared).toEqual({ ardesk_session: '', ardesk_csrf: '' });
    const after = await me({ cookie: session.cookie });
    expect(after.statusCode).toBe(401);
  });

  it(`expires after ${sessionHours} hours`, async () => {
    const user = await createTestUser(db, { role: 'legal' });
    const session = await signIn(app, user.email, user.password);
    advance(sessionHours * 60 - 1);
    expect((await me({ cookie: session.cookie })).statusCode).toBe(200);
    advance(2);
    expect((await me({ cookie: session.cookie })).statusCode).toBe(401);
  });
});

describe('tokens and disabled users', () => {
  it('a revoked token stops working', async () => {
    const user = await createTestUser(db, { role: 'auditor' });
    expect((await me(bearer(user.token))).statusCode).toBe(200);
    expect(await revokeTokens(db, user.email, 'test', cliActor())).toBe(1);
    const response = await me(bearer(user.token));
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('unauthenticated');
  });

  it('rejects a malformed Authorization header', async () => {
    const response = await me({ authorization: 'Basic abc' });
    expect(response.statusCode).toBe(401);
  });

  it('a disabled user loses session, token and sign-in', async () => {
    const admin = await createTestUser(db, { role: 'admin' });
    const user = await createTestUser(db, { role: 'treasury' });
    const session = await signIn(app, user.email, user.password);
    const disabled = await app.inject({
      method: 'POST',
      url: `/api/v1/users/${encodeURIComponent(user.email)}/disable`,
      headers: bearer(admin.token),
    });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().user.disabled).toBe(true);
    expect((await me({ cookie: session.cookie })).statusCode).toBe(401);
    expect((await me(bearer(user.token))).statusCode).toBe(401);
    expect((await login(user.email, user.password)).statusCode).toBe(401);

    const enabled = await app.inject({
      method: 'POST',
      url: `/api/v1/users/${encodeURIComponent(user.email)}/enable`,
      headers: bearer(admin.token),
    });
    expect(enabled.statusCode).toBe(200);
    expect((await me(bearer(user.token))).statusCode).toBe(200);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });
});

describe('users', () => {
  it('admin creates a user who can sign in', async () => {
    const admin = await createTestUser(db, { role: 'admin' });
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(admin.token),
      payload: { email: 'Rita@Example.test', role: 'regional_accountant', password: 'a long passphrase', regions: ['EAST'] },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().user).toMatchObject({ email: 'rita@example.test', regions: ['EAST'], companies: null });
    expect((await login('rita@example.test', 'a long passphrase')).statusCode).toBe(200);
    const listed = await app.inject({ url: '/api/v1/users', headers: bearer(admin.token) });
    expect((listed.json().users as { email: string }[]).map((user) => user.email)).toContain('rita@example.test');
    expect(listed.body).not.toContain('scrypt');
  });

  it.each([
    [{ email: 'r2@example.test', role: 'regional_accountant', password: 'a long passphrase' }, 'regions'],
    [{ email: 'r3@example.test', role: 'collector', password: 'too short' }, 'password'],
    [{ email: 'not-an-email', role: 'collector', password: 'a long passphrase' }, 'email'],
    [{ email: 'r4@example.test', role: 'collector', password: 'a long passphrase', companies: ['NOPE'] }, 'company'],
  ])('rejects %j', async (payload, field) => {
    const admin = await createTestUser(db, { role: 'admin' });
    const before = await db.query<{ count: bigint }>('select count(*) as count from app_user');
    const response = await app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin.token), payload });
    expect([400, 404]).toContain(response.statusCode);
    expect(response.json().error.field).toBe(field === 'company' ? 'company' : field);
    const after = await db.query<{ count: bigint }>('select count(*) as count from app_user');
    expect(after.rows[0]!.count).toBe(before.rows[0]!.count);
  });
});

describe('audit trail', () => {
  it('lists events with filters', async () => {
    const auditor = await createTestUser(db, { role: 'auditor' });
    const user = await createTestUser(db, { role: 'collector' });
    await login(user.email, 'wrong password 123');
    const response = await app.inject({
      url: `/api/v1/audit?actor=${encodeURIComponent(user.email)}&action=auth.login&limit=5`,
      headers: bearer(auditor.token),
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.total).toBe(1);
    expect(body.events[0]).toMatchObject({ actor: user.email, action: 'auth.login', outcome: 'denied', entityId: user.email });
    expect(body.events[0].at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it.each([
    ['update audit_event set reason = $1', ['changed']],
    ['delete from audit_event where event_id = (select min(event_id) from audit_event)', []],
    ['truncate audit_event', []],
  ])('rejects %s', async (sql, params) => {
    const before = await db.query<{ count: bigint; reasons: string }>(
      `select count(*) as count, string_agg(coalesce(reason, ''), '|' order by event_id) as reasons from audit_event`,
    );
    await expect(db.query(sql, params)).rejects.toThrow(/append-only/);
    const after = await db.query<{ count: bigint; reasons: string }>(
      `select count(*) as count, string_agg(coalesce(reason, ''), '|' order by event_id) as reasons from audit_event`,
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
    expect(Number(before.rows[0]!.count)).toBeGreaterThan(0);
  });
});
