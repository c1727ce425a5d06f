import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser, signIn, type TestUser } from '../../test/helpers/auth.js';
import { openTestDb, testEngine, type TestDb } from '../../test/helpers/db.js';
import { multipartBody } from '../../test/server/multipart.js';
import { cliActor } from '../auth/actor.js';
import type { ParsedBankFile } from '../bank/statement.js';
import { addBankAccount } from '../cash/accounts.js';
import { applyCash } from '../cash/apply.js';
import { storeBankFile } from '../cash/statements.js';
import { applyImport, getCompany, type Company } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let home: Company;
let northCollector: Record<string, string>;
let homeTreasury: Record<string, string>;
let maker: TestUser;
let approver: Record<string, string>;
const itemIds = new Map<string, string>();

beforeAll(async () => {
  db = await openTestDb();
  const invoice = (customerNumber: string, documentNumber: string) => ({
    customerNumber,
    kind: 'invoice' as const,
    documentNumber,
    erpKey: documentNumber,
    documentDate: '2026-03-01',
    postingDate: '2026-03-01',
    dueDate: '2026-03-31',
    currency: 'EUR',
    amount: 500_00n,
  });
  await applyImport(db, { kind: 'test', file: 'cash-adversarial.csv', sha256: 'cash-adversarial' }, [
    {
      company: { code: 'HOME', currency: 'EUR' },
      customers: [
        { customerNumber: 'N1', name: 'Nordlicht Handel GmbH', region: 'North' },
        { customerNumber: 'S1', name: 'Suedwind Logistik AG', region: 'South' },
      ],
      items: [invoice('N1', 'RE-2026-10001'), invoice('S1', 'RE-2026-20001')],
      allocations: [],
      rowCount: 2,
    },
    {
      company: { code: 'AWAY', currency: 'EUR' },
      customers: [{ customerNumber: 'X1', name: 'Fremd GmbH', region: 'North' }],
      items: [invoice('X1', 'RE-2026-30001')],
      allocations: [],
      rowCount: 1,
    },
  ]);
  home = await getCompany(db, 'HOME');
  const rows = await db.query<{ erp_key: string; item_id: bigint }>('select erp_key, item_id from open_item');
  for (const row of rows.rows) itemIds.set(row.erp_key, row.item_id.toString());
  await addBankAccount(db, home, { bank: 'Hausbank', accountNumber: 'DE00HOME0001', currency: 'EUR' }, cliActor());
  await addBankAccount(db, await getCompany(db, 'AWAY'), { bank: 'Fremdbank', accountNumber: 'DE00AWAY0001', currency: 'EUR' }, cliActor());
  // Every credit waits for review, so the queue contains one entry per region and one in suspense.
  await db.query('insert into cash_setting (company_id, auto_post_threshold) values ($1, 0.999)', [home.companyId]);
  const stored = await storeBankFile(
    db,
    statement('Q-1', [
      { amount: '500.00', name: 'Nordlicht Handel GmbH', remittance: 'RE-2026-10001' },
      { amount: '400.00', name: 'Suedwind Logistik AG', remittance: 'RE-2026-20001' },
      { amount: '12.34', name: 'Unbekannt', remittance: 'Zinsen' },
    ]),
    { sha256: 'q-1' },
    cliActor(),
  );
  await applyCash(db, home, cliActor(), { entryIds: stored.newCredits.get(home.companyId) ?? [] });

  app = await buildApp(db, { logLevel: 'silent' });
  northCollector = bearer((await createTestUser(db, { role: 'collector', regions: ['North'] })).token);
  homeTreasury = bearer((await createTestUser(db, { role: 'treasury', companies: ['HOME'] })).token);
  maker = await createTestUser(db, { role: 'finance' });
  approver = bearer((await createTestUser(db, { role: 'treasury' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

function statement(id: string, entries: { amount: string; name: string; remittance: string }[]): ParsedBankFile {
  return {
    file: `${id}.xml`,
    type: 'camt053',
    warnings: [],
    statements: [
      {
        account: 'DE00HOME0001',
        currency: 'EUR',
        statementId: id,
        openingBalance: null,
        closingBalance: null,
        openingDate: '2026-03-20',
        closingDate: '2026-03-20',
        line: 1,
        entries: entries.map((entry, index) => ({
          bookingDate: '2026-03-20',
          valueDate: '2026-03-20',
          amount: entry.amount,
          reference: null,
          remittance: entry.remittance,
          counterpartyName: entry.name,
          counterpartyAccount: null,
          bankCode: null,
          line: index + 2,
        })),
      },
    ],
  };
}

/**
 * Runs `work` while another transaction locks `table` against writes.
 * Every writer that `work` starts then reads before any of them writes,
 * which is the race two simultaneous requests can hit.
 */
async function racing<T>(table: string, work: () => Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = () => {};
  const holding = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holder = db.transaction(async (tx) => {
    await tx.query(`lock table ${table} in exclusive mode`);
    locked();
    await gate;
  });
  await holding;
  const settled = Promise.allSettled(work());
  await new Promise((resolve) => setTimeout(resolve, 500));
  release();
  await holder;
  return settled;
}

async function get(url: string, headers: Record<string, string>) {
  const response = await app.inject({ method: 'GET', url: `/api/v1${url}`, headers });
  return { status: response.statusCode, body: response.json() };
}

async function deniedCount(): Promise<number> {
  const result = await db.query<{ count: bigint }>(`select count(*)::bigint as count from audit_event where outcome = 'denied'`);
  return Number(result.rows[0]!.count);
}

describe('review queue scope', () => {
  it('queue shows only own region', async () => {
    const review = await get('/cash-application/queue?status=review', northCollector);
    expect(review.status).toBe(200);
    expect(review.body.entries.map((entry: { customerNumber: string }) => entry.customerNumber)).toEqual(['N1']);
    const suspense = await get('/cash-application/queue?status=suspense', northCollector);
    expect(suspense.body.entries).toEqual([]);
  });

  // The counts beside the queue ignore the region limit, so a regional reader learns how many credits other regions and suspense hold.
  it('counts only the credits a regional reader may see', async () => {
    const review = await get('/cash-application/queue?status=review', northCollector);
    expect(review.body.counts.review ?? 0).toBe(review.body.total);
    expect(review.body.counts.suspense ?? 0).toBe(0);
  });

  // The queue looks the company up without the scope check, so the route returns 200 with an empty list instead of 403.
  it('rejects queue of company outside scope', async () => {
    const before = await deniedCount();
    const response = await get('/cash-application/queue?company=AWAY', homeTreasury);
    expect(response.status).toBe(403);
    expect(await deniedCount()).toBe(before + 1);
  });

  // The settings read looks the company up without the scope check, so another company's thresholds are readable.
  it('rejects settings read outside scope', async () => {
    const response = await get('/cash-application/settings?company=AWAY', homeTreasury);
    expect(response.status).toBe(403);
  });
});

describe('bank import scope', () => {
  it('rejects a statement of another company whole', async () => {
    const content = [
      ':20:STMT-AWAY',
      ':25:DE00AWAY0001',
      ':28C:00001/1',
      ':60F:C260321EUR0,00',
      ':61:2603210321C10,00NTRFNONREF//B1',
      ':86:/NAME/FREMD/REMI/RE-2026-30001',
      ':62F:C260321EUR10,00',
      '-',
    ].join('\r\n');
    const body = multipartBody({}, [{ name: 'file', fileName: 'away.940', content }]);
    const statementsBefore = await db.query<{ count: bigint }>('select count(*)::bigint as count from bank_statement');
    const before = await deniedCount();
    const response = await app.inject({ method: 'POST', url: '/api/v1/bank-statements', payload: body.payload, headers: { ...body.headers, ...homeTreasury } });
    expect(response.statusCode).toBe(403);
    expect(await deniedCount()).toBe(before + 1);
    const statementsAfter = await db.query<{ count: bigint }>('select count(*)::bigint as count from bank_statement');
    expect(statementsAfter.rows[0]!.count).toBe(statementsBefore.rows[0]!.count);
  });
});

describe('check register scope', () => {
  // The check lists filter a customer outside the scope away and return 200 with no rows, where naming such a customer should return 403.
  it('rejects a customer outside the region', async () => {
    const south = await db.query<{ customer_id: bigint }>(`select customer_id from customer where customer_number = 'S1'`);
    const id = south.rows[0]!.customer_id.toString();
    for (const url of [`/checks?company=HOME&customerId=${id}`, `/checks/exposure?company=HOME&asOf=2026-03-31&customerId=${id}`]) {
      const response = await get(url, northCollector);
      expect(response.status).toBe(403);
    }
  });
});

describe('maker and checker across sign-in methods', () => {
  it('rejects maker approval by session', async () => {
    const entered = await app.inject({
      method: 'POST',
      url: '/api/v1/cash-receipts',
      headers: bearer(maker.token),
      payload: { company: 'HOME', customerNumber: 'N1', kind: 'cash', currency: 'EUR', amount: '100.00', date: '2026-03-21', lines: [{ itemId: itemIds.get('RE-2026-10001'), amount: '100.00' }] },
    });
    expect(entered.statusCode).toBe(201);
    const id = entered.json().receipt.id as string;
    const session = await signIn(app, maker.email, maker.password);
    const before = await deniedCount();
    const own = await app.inject({
      method: 'POST',
      url: `/api/v1/cash-receipts/${id}/approve`,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    });
    expect(own.statusCode).toBe(403);
    expect(own.json().error.code).toBe('forbidden');
    expect(await deniedCount()).toBe(before + 1);
    const other = await app.inject({ method: 'POST', url: `/api/v1/cash-receipts/${id}/approve`, headers: approver });
    expect(other.statusCode).toBe(200);
    const again = await app.inject({ method: 'POST', url: `/api/v1/cash-receipts/${id}/reject`, headers: approver, payload: { reason: 'too late' } });
    expect(again.statusCode).toBe(400);
    const payments = await db.query<{ count: bigint }>('select count(*)::bigint as count from open_item where erp_key = $1', [`CASH:${id}`]);
    expect(payments.rows[0]!.count).toBe(1n);
  });
});

describe.skipIf(testEngine !== 'postgres')('concurrent uploads on PostgreSQL', () => {
  // The second of two simultaneous uploads of one statement hits the unique key and returns 500 instead of skipping the stored statement.
  it('accepts concurrent uploads of one statement', async () => {
    const content = [
      ':20:STMT-CONC',
      ':25:DE00HOME0001',
      ':28C:00007/1',
      ':60F:C260321EUR0,00',
      ':61:2603210321C77,00NTRFNONREF//B1',
      ':86:/NAME/NORDLICHT HANDEL/REMI/RE-2026-10001',
      ':62F:C260321EUR77,00',
      '-',
    ].join('\r\n');
    const upload = () => {
      const body = multipartBody({}, [{ name: 'file', fileName: 'conc.940', content }]);
      return app.inject({ method: 'POST', url: '/api/v1/bank-statements', payload: body.payload, headers: { ...body.headers, ...approver } });
    };
    const outcomes = await racing('bank_entry', () => [upload(), upload()]);
    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.statusCode : 0))).toEqual([200, 200]);
  });
});
