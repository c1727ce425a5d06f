import type { Actor } from '../auth/types.js';
import type { Queryable } from '../db/types.js';
import { isIsoDate, type IsoDate } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';

/** One change, or one denied attempt, to record. */
export interface AuditEventInput {
  actor: Actor;
  /** Action name, such as `import`, `user.add` or `company.add`. */
  action: string;
  /** Kind of record changed, such as `company`, `user` or `snapshot`. */
  entity: string;
  entityId?: string | null;
  companyId?: number | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  outcome?: 'ok' | 'denied';
}

export interface AuditEvent {
  id: string;
  /** ISO 8601 in UTC. */
  at: string;
  actor: string;
  actorUserId: number | null;
  via: string;
  action: string;
  entity: string;
  entityId: string | null;
  companyId: number | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  outcome: 'ok' | 'denied';
}

export interface AuditFilter {
  actor?: string;
  entity?: string;
  action?: string;
  /** First day, YYYY-MM-DD, in UTC. */
  from?: IsoDate;
  /** Last day, YYYY-MM-DD, inclusive, in UTC. */
  to?: IsoDate;
  /** Only events of these companies and events of no company; every event when null or undefined. */
  companyIds?: readonly number[] | null;
  limit?: number;
  offset?: number;
}

export const maxAuditPageSize = 1000;

/** JSON text of a before or after value; bigint amounts become decimal strings. */
function jsonText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (_key, entry: unknown) => (typeof entry === 'bigint' ? entry.toString() : entry));
}

/**
 * Appends an audit event. Call it with the transaction of the write it
 * records, so that both commit or neither does.
 */
export async function recordAudit(tx: Queryable, event: AuditEventInput): Promise<void> {
  await tx.query(
    `insert into audit_event (actor_email, actor_user_id, actor_via, action, entity, entity_id,
       company_id, before, after, reason, outcome)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11)`,
    [
      event.actor.email,
      event.actor.userId,
      event.actor.via,
      event.action,
      event.entity,
      event.entityId ?? null,
      event.companyId ?? null,
      jsonText(event.before),
      jsonText(event.after),
      event.reason ?? null,
      event.outcome ?? 'ok',
    ],
  );
}

interface AuditRow {
  event_id: bigint;
  at: string;
  actor_email: string;
  actor_user_id: number | null;
  actor_via: string;
  action: string;
  entity: string;
  entity_id: string | null;
  company_id: number | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  outcome: 'ok' | 'denied';
  total_count: bigint;
}

function checkDay(value: string | undefined, field: string): void {
  if (value !== undefined && !isIsoDate(value)) {
    throw new InputError(`invalid ${field} date "${value}": use YYYY-MM-DD`, 'invalid_date', field);
  }
}

/** Parses jsonb as PGlite and pg return it: already parsed, or as text. */
function jsonValue(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** Lists audit events, newest first, one page at a time. */
export async function listAudit(
  db: Queryable,
  filter: AuditFilter = {},
): Promise<{ total: number; events: AuditEvent[] }> {
  checkDay(filter.from, 'from');
  checkDay(filter.to, 'to');
  const limit = filter.limit ?? 100;
  const offset = filter.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxAuditPageSize) {
    throw new InputError(`invalid limit "${limit}": use a whole number from 1 to ${maxAuditPageSize}`, 'invalid_paging', 'limit');
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InputError(`invalid offset "${offset}": use a whole number from 0`, 'invalid_paging', 'offset');
  }
  const params: (string | number | readonly number[])[] = [];
  const conditions: string[] = [];
  const add = (condition: (placeholder: string) => string, value: string | number | readonly number[]) => {
    params.push(value);
    conditions.push(condition(`$${params.length}`));
  };
  if (filter.actor) add((p) => `actor_email = lower(${p})`, filter.actor);
  if (filter.entity) add((p) => `entity = ${p}`, filter.entity);
  if (filter.action) add((p) => `action = ${p}`, filter.action);
  if (filter.from) add((p) => `at >= (${p}::date)::timestamp at time zone 'UTC'`, filter.from);
  if (filter.to) add((p) => `at < (${p}::date + 1)::timestamp at time zone 'UTC'`, filter.to);
  if (filter.companyIds) add((p) => `(company_id is null or company_id = any(${p}::int[]))`, filter.companyIds);
  const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
  params.push(limit, offset);
  const result = await db.query<AuditRow>(
    `select event_id, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at,
            actor_email, actor_user_id, actor_via, action, entity, entity_id, company_id,
            before, after, reason, outcome, count(*) over () as total_count
     from audit_event ${where}
     order by event_id desc
     limit $${params.length - 1} offset $${params.length}`,
    params,
  );
  let total = result.rows.length > 0 ? Number(result.rows[0]!.total_count) : 0;
  if (result.rows.length === 0 && offset > 0) {
    const count = await db.query<{ total: bigint }>(
      `select count(*) as total from audit_event ${where}`,
      params.slice(0, -2),
    );
    total = Number(count.rows[0]?.total ?? 0n);
  }
  return {
    total,
    events: result.rows.map((row) => ({
      id: row.event_id.toString(),
      at: row.at,
      actor: row.actor_email,
      actorUserId: row.actor_user_id,
      via: row.actor_via,
      action: row.action,
      entity: row.entity,
      entityId: row.entity_id,
      companyId: row.company_id,
      before: jsonValue(row.before),
      after: jsonValue(row.after),
      reason: row.reason,
      outcome: row.outcome,
    })),
  };
}
