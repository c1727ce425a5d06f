import { createHash, timingSafeEqual } from 'node:crypto';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/types.js';
import { verifyAgainstDummy, verifyPassword } from './passwords.js';
import { newSecret, secretHash } from './tokens.js';
import type { Role } from './types.js';

/** Returns the current time; tests pass their own clock. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Failed sign-ins in a row that lock an account. */
export const maxFailedSignIns = 5;
/** How long a locked account stays locked. */
export const lockoutMinutes = 15;
/** How long a session lasts after sign-in, whatever its use. */
export const sessionHours = 12;

export type SignInResult =
  | { outcome: 'ok'; sessionId: string; csrfToken: string; userId: number; email: string; role: Role }
  | { outcome: 'invalid_credentials' }
  | { outcome: 'locked'; lockedUntil: Date };

/**
 * Derives the CSRF token of a session: a hash of the session id under its own
 * label, so it differs from the stored session hash and cannot be made
 * without the session id.
 */
export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`ardesk-csrf:${sessionId}`).digest('base64url');
}

/** Compares two secrets in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

interface SignInRow {
  user_id: number;
  email: string;
  role: Role;
  password_hash: string;
  disabled: boolean;
  failed_attempts: number;
  locked_until: Date | string | null;
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  if (value instanceof Date) return value;
  return new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

/**
 * Checks an email and password and opens a session. After
 * `maxFailedSignIns` wrong passwords in a row the account is locked for
 * `lockoutMinutes`, and while locked even the right password is rejected.
 * Every failure and lockout is recorded in the audit trail.
 */
export async function signIn(db: Db, email: string, password: string, clock: Clock = systemClock): Promise<SignInResult> {
  const now = clock();
  const normalised = email.trim().toLowerCase();
  const found = await db.query<SignInRow>(
    `select user_id, email, role, password_hash, disabled, failed_attempts,
            to_char(locked_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as locked_until
     from app_user where email = $1`,
    [normalised],
  );
  const user = found.rows[0];
  const actor = {
    userId: user?.user_id ?? null,
    email: normalised,
    role: user?.role ?? 'sales',
    scope: { companyIds: [], regions: [] },
    via: 'session' as const,
  };
  const deny = async (tx: Queryable, reason: string) =>
    recordAudit(tx, { actor, action: 'auth.login', entity: 'user', entityId: normalised, reason, outcome: 'denied' });

  if (!user) {
    await verifyAgainstDummy(password);
    await deny(db, 'unknown email');
    return { outcome: 'invalid_credentials' };
  }
  const lockedUntil = toDate(user.locked_until);
  if (lockedUntil !== null && lockedUntil > now) {
    await deny(db, `account locked until ${lockedUntil.toISOString()}`);
    return { outcome: 'locked', lockedUntil };
  }
  const matches = await verifyPassword(password, user.password_hash);
  if (!matches || user.disabled) {
    return db.transaction(async (tx) => {
      if (user.disabled) {
        await deny(tx, 'user is disabled');
        return { outcome: 'invalid_credentials' as const };
      }
      // Counting in the update keeps concurrent failures from being lost.
      // A lock that has run out starts the count again.
      const counted = await tx.query<{ failed_attempts: number }>(
        `update app_user
         set failed_attempts = case when locked_until is null then failed_attempts + 1 else 1 end,
             locked_until = null
         where user_id = $1
         returning failed_attempts`,
        [user.user_id],
      );
      const attempts = counted.rows[0]!.failed_attempts;
      if (attempts >= maxFailedSignIns) {
        const until = new Date(now.getTime() + lockoutMinutes * 60_000);
        await tx.query('update app_user set locked_until = $2 where user_id = $1', [user.user_id, until.toISOString()]);
        await deny(tx, `wrong password; ${attempts} failures in a row lock the account until ${until.toISOString()}`);
        return { outcome: 'locked' as const, lockedUntil: until };
      }
      await deny(tx, `wrong password (${attempts} of ${maxFailedSignIns})`);
      return { outcome: 'invalid_credentials' as const };
    });
  }

  const sessionId = newSecret();
  const expires = new Date(now.getTime() + sessionHours * 3_600_000);
  await db.transaction(async (tx) => {
    await tx.query('update app_user set failed_attempts = 0, locked_until = null where user_id = $1', [user.user_id]);
    await tx.query(
      `insert into user_session (session_hash, user_id, created_at, last_seen_at, expires_at)
       values ($1, $2, $3, $3, $4)`,
      [secretHash(sessionId), user.user_id, now.toISOString(), expires.toISOString()],
    );
    await recordAudit(tx, { actor, action: 'auth.login', entity: 'user', entityId: user.email });
  });
  return {
    outcome: 'ok',
    sessionId,
    csrfToken: csrfTokenFor(sessionId),
    userId: user.user_id,
    email: user.email,
    role: user.role,
  };
}

/**
 * Finds the enabled user of an unexpired session and notes the time.
 * Returns null for an unknown, expired or signed-out session.
 */
export async function authenticateSession(
  db: Queryable,
  sessionId: string,
  now: Date,
): Promise<{ userId: number; email: string; role: Role } | null> {
  const hash = secretHash(sessionId);
  const result = await db.query<{ user_id: number; email: string; role: Role }>(
    `select u.user_id, u.email, u.role
     from user_session s join app_user u on u.user_id = s.user_id
     where s.session_hash = $1 and s.expires_at > $2 and not u.disabled`,
    [hash, now.toISOString()],
  );
  const row = result.rows[0];
  if (!row) return null;
  await db.query('update user_session set last_seen_at = $2 where session_hash = $1', [hash, now.toISOString()]);
  return { userId: row.user_id, email: row.email, role: row.role };
}

/** Ends a session. */
export async function endSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('delete from user_session where session_hash = $1', [secretHash(sessionId)]);
}
