import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import { addBankAccount } from '../cash/accounts.js';
import { applyImport, getCompany } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let accountId: number;
let admin: Record<string, string>;
let east: Record<string, string>;
let collector: Record<string, string>;
let treasury: Record<string, string>;
const customerIds = new Map<string, string>();
const itemIds = new Map<string, string>();

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'server-checks.csv', sha256: 'server-checks' }, [
    {
      company: { code: 'SCK', currency: 'USD' },
      customers: [
        { customerNumber: 'E1', name: 'East One', region: 'EAST' },
        { customerNumber: 'W1', name: 'West One', region: 'WEST' },
      ],
      items: ['E1', 'W1'].map((customer) => ({
        customerNumber: customer,
        kind: 'invoice' as const,
        documentNumber: `INV-${customer}`,
        erpKey: `INV-${customer}`,
        documentDate: '2026-01-05',
        postingDate: '2026-01-05',
        dueDate: '2026-02-04',
        currency: 'USD',
        amount: 1_000_00n,
      })),
      allocations: [],
      rowCount: 2,
    },
  ]);
  const rows = await db.query<{ customer_number: string; customer_id: bigint; item_id: bigint }>(
    'select c.customer_number, c.customer_id, i.item_id from customer c join open_item i using (company_id, customer_id)',
  );
  for (const row of rows.rows) {
    customerIds.set(row.customer_number, row.customer_id.toString());
    itemIds.set(row.customer_number, row.item_id.toString());
  }
  const company = await getCompany(db, 'SCK');
  accountId = (await addBankAccount(db, company, { bank: 'House Bank', accountNumber: 'US-1', currency: 'USD' }, cliActor())).bankAccountId;
  app = await buildApp(db, { logLevel: 'silent', agingEngine: 'sql' });
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
  east = bearer((await createTestUser(db, { role: 'regional_accountant', regions: ['EAST'] })).token);
  collector = bearer((await createTestUser(db, { role: 'collector' })).token);
  treasury = bearer((await createTestUser(db, { role: 'treasury' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

async function call(method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: Record<string, unknown>) {
  const response = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

function newCheck(customer: string, number: string, amount: string, maturityDate = '2026-02-02') {
  return {
    company: 'SCK',
    customerId: customerIds.get(customer)!,
    drawer: `Drawer ${customer}`,
    drawerBank: 'Second Bank',
    checkNumber: number,
    currency: 'USD',
    amount,
    issueDate: '2026-01-10',
    maturityDate,
    receivedDate: '2026-01-12',
    lines: [{ itemId: itemIds.get(customer)!, amount }],
  };
}

async function count(table: string, where = 'true'): Promise<number> {
  const result = await db.query<{ count: bigint }>(`select count(*)::bigint as count from ${table} where ${where}`);
  return Number(result.rows[0]!.count);
}

describe('check routes', () => {
  it('check life cycle over HTTP', async () => {
    const added = await call('POST', '/checks', admin, newCheck('E1', '100', '400.25'));
    expect(added.status).toBe(201);
    expect(added.body.check).toMatchObject({ amount: '400.25', currency: 'USD', status: 'received', postDated: true });
    const id = added.body.check.checkId as string;

    const exposure = await call('GET', `/checks/exposure?company=SCK&asOf=2026-01-31&customerId=${customerIds.get('E1')}`, admin);
    expect(exposure.body.customers).toEqual([
      expect.objectContaining({ openBalance: '1000.00', checkCover: '400.25', netExposure: '599.75' }),
    ]);

    const early = await call('POST', `/checks/${id}/deposit`, admin, { date: '2026-01-30', bankAccountId: accountId });
    expect(early.status).toBe(400);
    expect(early.body.error.code).toBe('not_mature');
    const deposited = await call('POST', `/checks/${id}/deposit`, treasury, { date: '2026-02-02', bankAccountId: accountId });
    expect(deposited.status).toBe(200);
    expect(deposited.body.check.status).toBe('deposited');
    const cleared = await call('POST', `/checks/${id}/clear`, admin, { date: '2026-02-04' });
    expect(cleared.body.check.status).toBe('cleared');

    const after = await call('GET', `/checks/exposure?company=SCK&asOf=2026-02-04&customerId=${customerIds.get('E1')}`, admin);
    expect(after.body.customers).toEqual([expect.objectContaining({ openBalance: '599.75', checkCover: '0.00', netExposure: '599.75' })]);

    const detail = await call('GET', `/checks/${id}`, admin);
    expect(detail.body.events.map((event: { toStatus: string }) => event.toStatus)).toEqual(['received', 'deposited', 'cleared']);
    const slip = await call('GET', `/deposit-slips/${detail.body.check.slipId}`, admin);
    expect(slip.body.slip).toMatchObject({ total: '400.25', currency: 'USD' });

    const illegal = await call('POST', `/checks/${id}/safe`, admin, { date: '2026-02-05' });
    expect(illegal.status).toBe(400);
    expect(illegal.body.error.message).toContain('is cleared and cannot become in_safe');

    const returned = await call('POST', `/checks/${id}/return`, admin, { date: '2026-02-10', reason: 'account_closed' });
    expect(returned.status).toBe(200);
    const report = await call('GET', '/checks/returned?company=SCK&from=2026-02-01&to=2026-02-28', admin);
    expect(report.body.rows).toEqual([
      { customerId: customerIds.get('E1'), customerNumber: 'E1', customerName: 'East One', reason: 'account_closed', currency: 'USD', count: 1, amount: '400.25' },
    ]);
  });

  it('deposit slip total is checked', async () => {
    const check = (await call('POST', '/checks', admin, newCheck('W1', '200', '10.00', '2026-01-12'))).body.check;
    const wrong = await call('POST', '/deposit-slips', admin, {
      company: 'SCK',
      bankAccountId: accountId,
      date: '2026-01-13',
      checkIds: [check.checkId],
      cash: [{ amount: '5.50', currency: 'USD', reference: 'till 1' }],
      total: '15.00',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('total_mismatch');
    const slip = await call('POST', '/deposit-slips', admin, {
      company: 'SCK',
      bankAccountId: accountId,
      date: '2026-01-13',
      checkIds: [check.checkId],
      cash: [{ amount: '5.50', currency: 'USD', reference: 'till 1' }],
      total: '15.50',
    });
    expect(slip.status).toBe(201);
    expect(slip.body.slip.cash).toEqual([{ lineNumber: 1, amount: '5.50', currency: 'USD', reference: 'till 1', cashReceiptId: null }]);
    expect(slip.body.slip.checks[0].status).toBe('deposited');
    const listed = await call('GET', '/deposit-slips?company=SCK', admin);
    expect(listed.body.slips.map((entry: { slipId: string }) => entry.slipId)).toContain(slip.body.slip.slipId);
  });
});

describe('check routes by role and scope', () => {
  it('regional user lists own regions', async () => {
    await call('POST', '/checks', admin, newCheck('W1', '300', '1.00'));
    const own = await call('POST', '/checks', east, newCheck('E1', '301', '2.00'));
    expect(own.status).toBe(201);
    const listed = await call('GET', '/checks?company=SCK', east);
    expect(listed.status).toBe(200);
    const numbers = new Set((listed.body.checks as { customerNumber: string }[]).map((check) => check.customerNumber));
    expect([...numbers]).toEqual(['E1']);
    const all = await call('GET', '/checks?company=SCK', admin);
    expect(new Set((all.body.checks as { customerNumber: string }[]).map((check) => check.customerNumber))).toEqual(new Set(['E1', 'W1']));
    const schedule = await call('GET', '/checks/schedule?company=SCK&by=month', east);
    expect(schedule.body.totals).toEqual([{ currency: 'USD', count: 1, amount: '2.00' }]);
  });

  it('write outside scope is 403', async () => {
    const west = (await call('POST', '/checks', admin, newCheck('W1', '400', '3.00'))).body.check;
    const denied = await count('audit_event', `outcome = 'denied'`);
    const events = await count('check_event');
    const safe = await call('POST', `/checks/${west.checkId}/safe`, east, { date: '2026-01-13' });
    expect(safe.status).toBe(403);
    const add = await call('POST', '/checks', east, newCheck('W1', '401', '3.00'));
    expect(add.status).toBe(403);
    const read = await call('GET', `/checks/${west.checkId}`, east);
    expect(read.status).toBe(403);
    expect(await count('audit_event', `outcome = 'denied'`)).toBe(denied + 3);
    expect(await count('check_event')).toBe(events);
    expect(await count('customer_check', `check_number = '401'`)).toBe(0);
    const rows = await db.query<{ action: string; entity: string }>(
      `select action, entity from audit_event where outcome = 'denied' order by event_id desc limit 3`,
    );
    expect(rows.rows.map((row) => row.action).sort()).toEqual(['checks.add', 'checks.in_safe', 'read']);
  });

  it('permission per role', async () => {
    const list = await call('GET', '/checks?company=SCK', collector);
    expect(list.status).toBe(200);
    const before = await count('customer_check');
    const add = await call('POST', '/checks', collector, newCheck('E1', '500', '1.00'));
    expect(add.status).toBe(403);
    expect(await count('customer_check')).toBe(before);
    const byTreasury = await call('POST', '/checks', treasury, newCheck('E1', '501', '1.00'));
    expect(byTreasury.status).toBe(201);
    const denied = await db.query<{ entity: string; entity_id: string }>(
      `select entity, entity_id from audit_event where outcome = 'denied' order by event_id desc limit 1`,
    );
    expect(denied.rows[0]).toEqual({ entity: 'route', entity_id: 'POST /api/v1/checks' });
  });
});
