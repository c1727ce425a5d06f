import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { applyImport, getCompany, itemOpenAmount } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let east: Record<string, string>;
let financeA: Record<string, string>;
let financeB: Record<string, string>;
let manager: Record<string, string>;
let companyId: number;
const ids = new Map<string, string>();

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'cash-api.csv', sha256: 'cash-api' }, [
    {
      company: { code: 'CAPI', currency: 'KWD' },
      customers: [
        { customerNumber: 'E1', name: 'East One', region: 'EAST', collector: 'ana' },
        { customerNumber: 'W1', name: 'West One', region: 'WEST', collector: 'ben' },
      ],
      items: [
        ['E1', 'INV-E1', 1_000_500n],
        ['W1', 'INV-W1', 2_000_000n],
      ].map(([customerNumber, key, amount]) => ({
        customerNumber: customerNumber as string,
        kind: 'invoice' as const,
        documentNumber: key as string,
        erpKey: key as string,
        documentDate: '2026-01-05',
        postingDate: '2026-01-05',
        dueDate: '2026-02-04',
        currency: 'KWD',
        amount: amount as bigint,
      })),
      allocations: [],
      rowCount: 2,
    },
  ]);
  companyId = (await getCompany(db, 'CAPI')).companyId;
  const rows = await db.query<{ item_id: bigint; erp_key: string }>('select item_id, erp_key from open_item');
  for (const row of rows.rows) ids.set(row.erp_key, row.item_id.toString());
  app = await buildApp(db, { logLevel: 'silent' });
  east = bearer((await createTestUser(db, { role: 'regional_accountant', regions: ['EAST'] })).token);
  financeA = bearer((await createTestUser(db, { role: 'finance' })).token);
  financeB = bearer((await createTestUser(db, { role: 'finance' })).token);
  manager = bearer((await createTestUser(db, { role: 'credit_manager' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

async function call(method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: object) {
  const response = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

async function denied(entityId: string): Promise<number> {
  const result = await db.query<{ count: bigint }>(
    "select count(*)::bigint as count from audit_event where outcome = 'denied' and entity_id = $1",
    [entityId],
  );
  return Number(result.rows[0]!.count);
}

async function count(table: string): Promise<bigint> {
  const result = await db.query<{ count: bigint }>(`select count(*)::bigint as count from ${table}`);
  return result.rows[0]!.count;
}

describe('cash receipts API', () => {
  it('other region entry is forbidden', async () => {
    const receiptsBefore = await count('cash_receipt');
    const { status, body } = await call('POST', '/cash-receipts', east, {
      company: 'CAPI',
      customerNumber: 'W1',
      kind: 'cash',
      currency: 'KWD',
      amount: '10.000',
      date: '2026-03-02',
    });
    expect(status).toBe(403);
    expect(body.error.code).toBe('forbidden');
    expect(await denied('W1')).toBe(1);
    expect(await count('cash_receipt')).toBe(receiptsBefore);
  });

  it('maker-checker approval posts allocation', async () => {
    const created = await call('POST', '/cash-receipts', financeA, {
      company: 'CAPI',
      customerNumber: 'E1',
      kind: 'transfer',
      currency: 'KWD',
      amount: '1500.250',
      date: '2026-03-03',
      reference: 'TRF-9',
      lines: [{ itemId: ids.get('INV-E1'), amount: '1000.500' }],
    });
    expect(created.status).toBe(201);
    const receipt = created.body.receipt;
    expect(receipt).toMatchObject({
      amount: '1500.250',
      allocated: '1000.500',
      unapplied: '499.750',
      currency: 'KWD',
      status: 'pending',
      collector: 'ana',
    });
    const itemsBefore = await count('open_item');
    const own = await call('POST', `/cash-receipts/${receipt.id}/approve`, financeA);
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/another person must approve/);
    expect(await denied(receipt.id)).toBe(1);
    expect(await count('open_item')).toBe(itemsBefore);

    const approved = await call('POST', `/cash-receipts/${receipt.id}/approve`, financeB);
    expect(approved.status).toBe(200);
    expect(approved.body.receipt.status).toBe('approved');
    expect(await itemOpenAmount(db, companyId, BigInt(ids.get('INV-E1')!), '2026-03-03')).toBe(0n);
    expect(await count('open_item')).toBe(itemsBefore + 1n);
  });

  it('accountant enters, rejection posts nothing', async () => {
    const created = await call('POST', '/cash-receipts', east, {
      company: 'CAPI',
      customerNumber: 'E1',
      kind: 'cash',
      currency: 'KWD',
      amount: '5.000',
      date: '2026-03-04',
    });
    expect(created.status).toBe(201);
    const id = created.body.receipt.id as string;
    expect((await call('POST', `/cash-receipts/${id}/approve`, east)).status).toBe(403);
    const items = await count('open_item');
    const rejected = await call('POST', `/cash-receipts/${id}/reject`, manager, { reason: 'no slip' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.receipt).toMatchObject({ status: 'rejected', decisionReason: 'no slip' });
    expect(await count('open_item')).toBe(items);
    const listed = await call('GET', '/cash-receipts?company=CAPI&status=rejected', east);
    expect(listed.body.receipts.map((entry: { id: string }) => entry.id)).toEqual([id]);
  });

  it('invalid amount names field', async () => {
    const { status, body } = await call('POST', '/cash-receipts', financeA, {
      company: 'CAPI',
      customerNumber: 'E1',
      kind: 'cash',
      currency: 'KWD',
      amount: '1.0001',
      date: '2026-03-04',
    });
    expect(status).toBe(400);
    expect(body.error.field).toBe('amount');
  });

  it('collections report with target', async () => {
    const put = await call('PUT', '/collections/targets', manager, {
      company: 'CAPI',
      month: '2026-03',
      region: 'EAST',
      collector: '*',
      amount: '3000.500',
    });
    expect(put.status).toBe(200);
    expect(put.body.target).toMatchObject({ amount: '3000.500', currency: 'KWD' });
    expect((await call('PUT', '/collections/targets', east, { company: 'CAPI', month: '2026-03', region: 'EAST', collector: '*', amount: '1' })).status).toBe(403);
    const targets = await call('GET', '/collections/targets?company=CAPI', east);
    expect(targets.body.targets).toHaveLength(1);

    const { status, body } = await call('GET', '/collections?company=CAPI&from=2026-03-01&to=2026-03-31&by=region&period=month', east);
    expect(status).toBe(200);
    // Only the approved 1500.250 counts: the rejected receipt posted nothing.
    expect(body.rows).toEqual([
      { period: '2026-03', region: 'EAST', collector: null, collected: '1500.250', monthToDate: null, target: '3000.500', share: '50.00' },
    ]);
    const bad = await call('GET', '/collections?company=CAPI&from=2026-03-01&to=2026-03-31&by=branch', east);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('by');
  });
});
