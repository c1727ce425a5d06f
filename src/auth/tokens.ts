import { createHash, randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/types.js';
import { InputError, NotFoundError } from '../shared/errors.js';
import type { Actor, Role } from './types.js';
import { getUser } from './users.js';

const tokenPrefix = 'ardesk_';

/** SHA-256 of a secret, hex: what the database stores in place of a session id or token. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Returns a new random secret of 256 bits in base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export interface TokenInfo {
  tokenId: number;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/**
 * Creates an API token for a user and returns it. Only its hash is
 * stored, so this is the one time the token can be read.
 */
export async function createToken(
  db: Db,
  email: string,
  name: string,
  actor: Actor,
): Promise<{ token: string; tokenId: number }> {
  const tokenName = name.trim();
  if (tokenName === '') throw new InputError('missing token name', 'missing_parameter', 'name');
  const token = tokenPrefix + newSecret();
  return db.transaction(async (tx) => {
    const user = await getUser(tx, email);
    const result = await tx.query<{ token_id: number }>(
      'insert into api_token (user_id, name, token_hash) values ($1, $2, $3) returning token_id',
      [user.userId, tokenName, secretHash(token)],
    );
    const tokenId = result.rows[0]!.token_id;
    await recordAudit(tx, {
      actor,
      action: 'token.create',
      entity: 'api_token',
      entityId: String(tokenId),
      after: { user: user.email, name: tokenName },
    });
    return { token, tokenId };
  });
}

export async function listTokens(db: Queryable, email: string): Promise<TokenInfo[]> {
  const user = await getUser(db, email);
  const result = await db.query<{
    token_id: number;
    name: string;
    created_at: string;
    last_used_at: string | null;
    revoked_at: string | null;
  }>(
    `select token_id, name,
            to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
            to_char(last_used_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as last_used_at,
            to_char(revoked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as revoked_at
     from api_token where user_id = $1 order by token_id`,
    [user.userId],
  );
  return result.rows.map((row) => ({
    tokenId: row.token_id,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }));
}

/** Revokes a user's tokens of one name. Returns how many were revoked. */
export async function revokeTokens(db: Db, email: string, name: string, actor: Actor): Promise<number> {
  return db.transaction(async (tx) => {
    const user = await getUser(tx, email);
    const result = await tx.query<{ token_id: number }>(
      `update api_token set revoked_at = now()
       where user_id = $1 and name = $2 and revoked_at is null returning token_id`,
      [user.userId, name],
    );
    if (result.rows.length === 0) {
      throw new NotFoundError(`user "${user.email}" has no active token named "${name}"`, 'name');
    }
    for (const row of result.rows) {
      await recordAudit(tx, {
        actor,
        action: 'token.revoke',
        entity: 'api_token',
        entityId: String(row.token_id),
        before: { user: user.email, name },
      });
    }
    return result.rows.length;
  });
}

/**
 * Finds the enabled user behind an active token and notes its use.
 * Returns null for an unknown or revoked token or a disabled user.
 */
export async function authenticateToken(
  db: Queryable,
  token: string,
  now: Date,
): Promise<{ userId: number; email: string; role: Role } | null> {
  if (!token.startsWith(tokenPrefix)) return null;
  const result = await db.query<{ token_id: number; user_id: number; email: string; role: Role }>(
    `select t.token_id, u.user_id, u.email, u.role
     from api_token t join app_user u on u.user_id = t.user_id
     where t.token_hash = $1 and t.revoked_at is null and not u.disabled`,
    [secretHash(token)],
  );
  const row = result.rows[0];
  if (!row) return null;
  await db.query('update api_token set last_used_at = $2 where token_id = $1', [row.token_id, now.toISOString()]);
  return { userId: row.user_id, email: row.email, role: row.role };
}
