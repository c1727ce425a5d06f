import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/types.js';
import { hashPassword, verifyPassword } from './passwords.js';
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
  locked_until: Date | string | null;
}

function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  if (value instanceof Date) return value;
  return new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

/** `locked_until` as ISO 8601 in UTC with milliseconds, for `toDate`. */
const lockedUntilText = `to_char(locked_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A hash no password matches in practice. Checking a password against it
 * makes an unknown email take as long as a wrong password. It is built at
 * module load so that the first unknown email is not slower than later ones.
 */
const dummyHash = hashPassword(randomBytes(24).toString('base64'));
// Keeps a failed build from ending the process before a sign-in awaits it.
dummyHash.catch(() => undefined);

interface UnknownEmailFailures {
  failedAttempts: number;
  lockedUntil: Date | null;
}

/**
 * Failed sign-ins of email addresses without an account, per database and
 * lower-cased email, kept in memory. They lock an address like an
 * account's own count, so the responses do not reveal which addresses
 * have an account.
 * NOTE: the counts are lost when the server restarts and are not shared
 * between server processes on one database.
 */
const unknownEmailFailures = new WeakMap<Db, Map<string, UnknownEmailFailures>>();
/** Addresses kept per database; the least recently failed one is dropped beyond this. */
const maxUnknownEmails = 10_000;

function unknownEmailsOf(db: Db): Map<string, UnknownEmailFailures> {
  let failures = unknownEmailFailures.get(db);
  if (failures === undefined) {
    failures = new Map();
    unknownEmailFailures.set(db, failures);
  }
  return failures;
}

/** Counts a failed sign-in of an unknown email the way `countFailure` counts one of an account. */
function countUnknownEmailFailure(db: Db, email: string, now: Date): UnknownEmailFailures {
  const failures = unknownEmailsOf(db);
  const previous = failures.get(email);
  let next: UnknownEmailFailures;
  if (previous?.lockedUntil != null && previous.lockedUntil > now) {
    next = { failedAttempts: previous.failedAttempts + 1, lockedUntil: previous.lockedUntil };
  } else {
    // A lock that has run out starts the count again.
    const failedAttempts = previous?.lockedUntil == null ? (previous?.failedAttempts ?? 0) + 1 : 1;
    const lockedUntil = failedAttempts >= maxFailedSignIns ? new Date(now.getTime() + lockoutMinutes * 60_000) : null;
    next = { failedAttempts, lockedUntil };
  }
  // Re-inserting moves the email to the end of the map's order, so the oldest entry goes first.
  failures.delete(email);
  failures.set(email, next);
  if (failures.size > maxUnknownEmails) failures.delete(failures.keys().next().value!);
  return next;
}

/**
 * Counts a failed sign-in of an account in one statement, so concurrent
 * failures are neither lost nor able to clear a lock. The failure that
 * reaches `maxFailedSignIns` sets the lock. A lock that has run out starts
 * the count again. Returns the new count and the lock, which may be one a
 * concurrent failure set.
 */
async function countFailure(
  tx: Queryable,
  userId: number,
  now: Date,
): Promise<{ failedAttempts: number; lockedUntil: Date | null }> {
  const until = new Date(now.getTime() + lockoutMinutes * 60_000);
  const counted = await tx.query<{ failed_attempts: number; locked_until: string | null }>(
    `update app_user
     set failed_attempts = case when locked_until <= $2::timestamptz then 1 else failed_attempts + 1 end,
         locked_until = case
           when locked_until > $2::timestamptz then locked_until
           when (case when locked_until <= $2::timestamptz then 1 else failed_attempts + 1 end) >= $3::int
             then $4::timestamptz
           else null
         end
     where user_id = $1
     returning failed_attempts, ${lockedUntilText} as locked_until`,
    [userId, now.toISOString(), maxFailedSignIns, until.toISOString()],
  );
  const row = counted.rows[0]!;
  return { failedAttempts: row.failed_attempts, lockedUntil: toDate(row.locked_until) };
}

/**
 * Checks an email and password and opens a session. After
 * `maxFailedSignIns` failed sign-ins in a row the account is locked for
 * `lockoutMinutes`, and while locked even the right password is rejected.
 * The lock is checked again when the session opens, so a right password
 * sent together with many wrong ones opens no session once they have
 * locked the account. A disabled user's sign-ins count as failures, and an
 * unknown email is counted and locked in memory, so that both get the
 * same responses as a wrong password. Every failure and lockout is recorded in
 * the audit trail.
 */
export async function signIn(db: Db, email: string, password: string, clock: Clock = systemClock): Promise<SignInResult> {
  const now = clock();
  const normalised = email.trim().toLowerCase();
  const found = await db.query<SignInRow>(
    `select user_id, email, role, password_hash, disabled, ${lockedUntilText} as locked_until
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
  const failure = async (
    tx: Queryable,
    reason: string,
    counted: { failedAttempts: number; lockedUntil: Date | null },
  ): Promise<SignInResult> => {
    const { failedAttempts, lockedUntil } = counted;
    if (lockedUntil !== null && lockedUntil > now) {
      await deny(tx, `${reason}; ${failedAttempts} failures in a row lock the account until ${lockedUntil.toISOString()}`);
      return { outcome: 'locked', lockedUntil };
    }
    await deny(tx, `${reason} (${failedAttempts} of ${maxFailedSignIns})`);
    return { outcome: 'invalid_credentials' };
  };

  const lockedUntil = user ? toDate(user.locked_until) : (unknownEmailsOf(db).get(normalised)?.lockedUntil ?? null);
  if (lockedUntil !== null && lockedUntil > now) {
    await deny(db, `account locked until ${lockedUntil.toISOString()}`);
    return { outcome: 'locked', lockedUntil };
  }

  if (!user) {
    await verifyPassword(password, await dummyHash);
    return failure(db, 'unknown email', countUnknownEmailFailure(db, normalised, now));
  }
  const matches = await verifyPassword(password, user.password_hash);
  if (!matches || user.disabled) {
    const reason = user.disabled ? 'user is disabled' : 'wrong password';
    return db.transaction(async (tx) => failure(tx, reason, await countFailure(tx, user.user_id, now)));
  }
  return openSession(db, { userId: user.user_id, email: user.email, role: user.role }, now, deny);
}

/**
 * Resets the failure count and opens a session, in one transaction, if the
 * account is enabled and not locked at `now`. The reset checks the lock in
 * its own where clause because failures sent at the same time may have
 * locked the account while the password was being checked.
 */
async function openSession(
  db: Db,
  user: { userId: number; email: string; role: Role },
  now: Date,
  deny: (tx: Queryable, reason: string) => Promise<void>,
): Promise<SignInResult> {
  const sessionId = newSecret();
  const expires = new Date(now.getTime() + sessionHours * 3_600_000);
  return db.transaction(async (tx): Promise<SignInResult> => {
    const reset = await tx.query<{ user_id: number }>(
      `update app_user set failed_attempts = 0, locked_until = null
       where user_id = $1 and not disabled and (locked_until is null or locked_until <= $2::timestamptz)
       returning user_id`,
      [user.userId, now.toISOString()],
    );
    if (reset.rows.length === 0) {
      const current = await tx.query<{ locked_until: string | null }>(
        `select ${lockedUntilText} as locked_until from app_user where user_id = $1`,
        [user.userId],
      );
      const lockedUntil = toDate(current.rows[0]?.locked_until ?? null);
      if (lockedUntil !== null && lockedUntil > now) {
        await deny(tx, `right password, but the account was locked until ${lockedUntil.toISOString()} meanwhile`);
        return { outcome: 'locked', lockedUntil };
      }
      await deny(tx, 'user was disabled meanwhile');
      return { outcome: 'invalid_credentials' };
    }
    await tx.query(
      `insert into user_session (session_hash, user_id, created_at, last_seen_at, expires_at)
       values ($1, $2, $3, $3, $4)`,
      [secretHash(sessionId), user.userId, now.toISOString(), expires.toISOString()],
    );
    await recordAudit(tx, {
      actor: { userId: user.userId, email: user.email, role: user.role, scope: { companyIds: [], regions: [] }, via: 'session' },
      action: 'auth.login',
      entity: 'user',
      entityId: user.email,
    });
    return {
      outcome: 'ok',
      sessionId,
      csrfToken: csrfTokenFor(sessionId),
      userId: user.userId,
      email: user.email,
      role: user.role,
    };
  });
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
