import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { multipartBody } from '../../test/server/multipart.js';
import { loadRegionFixture, regionAsOf } from '../../test/server/regions.js';
import type { Role } from '../auth/types.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;

beforeAll(async () => {
  db = await openTestDb();
  await loadRegionFixture(db);
  app = await buildApp(db, { logLevel: 'silent' });
});
afterAll(async () => {
  await app.close();
  await db.close();
});

const csvText = 'customer,name,document,posted,due,amount\nC900,Gamma Ltd,GAM-1,2026-01-10,2026-02-09,150.25\n';
const mapping = {
  customer: { number: 'customer', name: 'name' },
  item: { documentNumber: 'document', kind: { bySign: { debit: 'invoice', credit: 'payment' } }, postingDate: 'posted', dueDate: 'due' },
  amount: { column: 'amount' },
};

interface Call {
  method: 'GET' | 'POST';
  url: string;
  payload?: unknown;
  multipart?: Record<string, string>;
}

async function call(headers: Record<string, string>, request: Call) {
  if (request.multipart) {
    const { payload, headers: partHeaders } = multipartBody(
      { mapping: JSON.stringify(mapping), ...request.multipart },
      [{ name: 'file', fileName: 'roles.csv', content: csvText }],
    );
    return app.inject({ method: 'POST', url: request.url, payload, headers: { ...partHeaders, ...headers } });
  }
  return app.inject({
    method: request.method,
    url: request.url,
    headers,
    ...(request.payload === undefined ? {} : { payload: request.payload as object }),
  });
}

/** Row counts of every table a forbidden request could change, and the denied audit events. */
interface TableCounts {
  [table: string]: number;
  auditOk: number;
  auditDenied: number;
}

async function tableCounts(): Promise<TableCounts> {
  const tables = ['company', 'customer', 'open_item', 'allocation', 'import_batch', 'aging_snapshot', 'app_user', 'user_session', 'api_token'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const result = await db.query<{ count: bigint }>(`select count(*) as count from ${table}`);
    counts[table] = Number(result.rows[0]!.count);
  }
  const events = await db.query<{ ok: bigint; denied: bigint }>(
    `select count(*) filter (where outcome = 'ok') as ok, count(*) filter (where outcome = 'denied') as denied from audit_event`,
  );
  return { ...counts, auditOk: Number(events.rows[0]!.ok), auditDenied: Number(events.rows[0]!.denied) };
}

const readAging: Call = { method: 'GET', url: `/api/v1/aging?company=NR1&asOf=${regionAsOf}` };
const importCsv: Call = { method: 'POST', url: '/api/v1/imports/csv', multipart: { company: 'NR1' } };
const snapshot: Call = { method: 'POST', url: '/api/v1/snapshots', payload: { company: 'NR1', asOf: regionAsOf } };
const listUsers: Call = { method: 'GET', url: '/api/v1/users' };
const readAudit: Call = { method: 'GET', url: '/api/v1/audit' };
const snapshotOutside: Call = { method: 'POST', url: '/api/v1/snapshots', payload: { company: 'SR1', asOf: regionAsOf } };

/** For each role: a request it may make, with its status, and one it may not. */
const cases: { role: Role; companies?: string[]; regions?: string[]; allowed: Call; status: number; forbidden: Call }[] = [
  { role: 'collector', allowed: readAging, status: 200, forbidden: importCsv },
  { role: 'credit_analyst', allowed: readAging, status: 200, forbidden: snapshot },
  { role: 'legal', allowed: readAging, status: 200, forbidden: listUsers },
  { role: 'sales', allowed: readAging, status: 200, forbidden: readAudit },
  { role: 'regional_accountant', regions: ['EAST'], allowed: readAging, status: 200, forbidden: importCsv },
  { role: 'auditor', allowed: readAudit, status: 200, forbidden: snapshot },
  { role: 'treasury', allowed: importCsv, status: 200, forbidden: snapshot },
  { role: 'finance', allowed: snapshot, status: 201, forbidden: listUsers },
  { role: 'credit_manager', allowed: importCsv, status: 200, forbidden: readAudit },
  { role: 'admin', companies: ['NR1'], allowed: listUsers, status: 200, forbidden: snapshotOutside },
];

describe('roles', () => {
  it.each(cases)('$role: allowed and forbidden', async ({ role, companies, regions, allowed, status, forbidden }) => {
    const user = await createTestUser(db, { role, companies, regions });
    const headers = bearer(user.token);

    const okResponse = await call(headers, allowed);
    expect(okResponse.statusCode, okResponse.body).toBe(status);

    const before = await tableCounts();
    const denied = await call(headers, forbidden);
    expect(denied.statusCode, denied.body).toBe(403);
    expect(denied.json().error.code).toBe('forbidden');
    const after = await tableCounts();
    expect(after).toEqual({ ...before, auditDenied: before.auditDenied + 1 });
    const last = await db.query<{ actor_email: string; outcome: string }>(
      'select actor_email, outcome from audit_event order by event_id desc limit 1',
    );
    expect(last.rows[0]).toEqual({ actor_email: user.email, outcome: 'denied' });
  });
});

describe('audited writes', () => {
  it('an import commits with its audit event', async () => {
    const user = await createTestUser(db, { role: 'finance' });
    const response = await call(bearer(user.token), { method: 'POST', url: '/api/v1/imports/csv', multipart: { company: 'NEW1' } });
    expect(response.statusCode, response.body).toBe(200);
    const importId = response.json().companies[0].importId as string;
    const events = await db.query<{ action: string; entity_id: string; after: { itemsInserted: number; company: string } }>(
      `select action, entity_id, after from audit_event where actor_email = $1 and action = 'import'`,
      [user.email],
    );
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0]!.entity_id).toBe(importId);
    expect(events.rows[0]!.after.itemsInserted).toBe(1);
    expect(events.rows[0]!.after.company).toBe('NEW1');
  });

  it('a scoped import into a new company is rolled back', async () => {
    const user = await createTestUser(db, { role: 'treasury', companies: ['NR1'] });
    const before = await tableCounts();
    const response = await call(bearer(user.token), { method: 'POST', url: '/api/v1/imports/csv', multipart: { company: 'NEW2' } });
    expect(response.statusCode, response.body).toBe(403);
    const company = await db.query(`select 1 from company where code = 'NEW2'`);
    expect(company.rows).toHaveLength(0);
    expect(await tableCounts()).toEqual({ ...before, auditDenied: before.auditDenied + 1 });
  });

  it('a failed import leaves no audit event', async () => {
    const user = await createTestUser(db, { role: 'admin' });
    const before = await tableCounts();
    const { payload, headers } = multipartBody({ mapping: JSON.stringify(mapping), company: 'NR1' }, [
      { name: 'file', fileName: 'bad.csv', content: 'customer,name,document,posted,due,amount\nC901,Bad,BAD-1,2026-13-01,2026-02-09,1.00\n' },
    ]);
    const response = await app.inject({ method: 'POST', url: '/api/v1/imports/csv', payload, headers: { ...headers, ...bearer(user.token) } });
    expect(response.statusCode).toBe(400);
    expect(await tableCounts()).toEqual(before);
  });

  it('a snapshot is audited once', async () => {
    const user = await createTestUser(db, { role: 'credit_manager' });
    const body = { company: 'SR1', asOf: '2026-02-28' };
    const first = await call(bearer(user.token), { method: 'POST', url: '/api/v1/snapshots', payload: body });
    expect(first.statusCode).toBe(201);
    const again = await call(bearer(user.token), { method: 'POST', url: '/api/v1/snapshots', payload: body });
    expect(again.statusCode).toBe(200);
    const events = await db.query<{ entity_id: string; company_id: number }>(
      `select entity_id, company_id from audit_event where actor_email = $1 and action = 'snapshot.take'`,
      [user.email],
    );
    expect(events.rows.map((row) => row.entity_id)).toEqual([first.json().snapshotId]);
  });

  it('a regional scope may not list snapshots', async () => {
    const user = await createTestUser(db, { role: 'regional_accountant', regions: ['EAST'] });
    const response = await call(bearer(user.token), { method: 'GET', url: '/api/v1/snapshots' });
    expect(response.statusCode).toBe(403);
  });

  it('a company scope lists its snapshots only', async () => {
    const user = await createTestUser(db, { role: 'finance', companies: ['NR1'] });
    const response = await call(bearer(user.token), { method: 'GET', url: '/api/v1/snapshots' });
    expect(response.statusCode).toBe(200);
    const companies = new Set((response.json().snapshots as { company: string }[]).map((entry) => entry.company));
    expect([...companies]).toEqual(['NR1']);
  });
});
