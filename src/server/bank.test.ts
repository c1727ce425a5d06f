import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, sampleDataDir, type TestDb } from '../../test/helpers/db.js';
import { multipartBody } from '../../test/server/multipart.js';
import { applyImport, getCompany, itemOpenAmount } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let admin: Record<string, string>;
let treasury: Record<string, string>;
let collector: Record<string, string>;
const sampleDir = sampleDataDir();

beforeAll(async () => {
  db = await openTestDb();
  app = await buildApp(db, { logLevel: 'silent' });
  await applyImport(db, { kind: 'test', file: 'bank.csv', sha256: 'bank' }, [
    {
      company: { code: 'BNK', currency: 'EUR' },
      customers: [
        { customerNumber: 'K1', name: 'Hollandse Bouw BV', region: 'North' },
        { customerNumber: 'K2', name: 'Zuid Handel BV', region: 'South' },
      ],
      items: [
        { customerNumber: 'K1', kind: 'invoice', documentNumber: '2026-000714', erpKey: 'I1', documentDate: '2026-03-01', postingDate: '2026-03-01', dueDate: '2026-03-31', currency: 'EUR', amount: 1_250_00n },
        { customerNumber: 'K2', kind: 'invoice', documentNumber: '2026-000715', erpKey: 'I2', documentDate: '2026-03-01', postingDate: '2026-03-01', dueDate: '2026-03-31', currency: 'EUR', amount: 310_40n },
      ],
      allocations: [],
      rowCount: 2,
    },
  ]);
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
  treasury = bearer((await createTestUser(db, { role: 'treasury', companies: ['BNK'] })).token);
  collector = bearer((await createTestUser(db, { role: 'collector' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

/** An MT940 statement of two credits: one names invoice 2026-000714, one names nothing. */
function mt940(closing = '2716,40', secondAmount = '310,40'): string {
  return [
    ':20:STMT0401',
    ':25:NL20BANK0123456789',
    ':28C:00041/1',
    ':60F:C260401EUR1156,00',
    ':61:2604020402C1250,00NTRFNONREF//B1',
    ':86:/EREF/E2E-1/NAME/HOLLANDSE BOUW/REMI/Factuur 2026-714',
    `:61:2604020402C${secondAmount}NTRFNONREF//B2`,
    ':86:/NAME/ONBEKEND/REMI/Betaling',
    `:62F:C260402EUR${closing}`,
    '-',
  ].join('\r\n');
}

async function upload(headers: Record<string, string>, content: string, fields: Record<string, string> = {}, fileName = 'stmt.940') {
  const body = multipartBody(fields, [{ name: 'file', fileName, content }]);
  return app.inject({ method: 'POST', url: '/api/v1/bank-statements', payload: body.payload, headers: { ...body.headers, ...headers } });
}

async function count(table: string): Promise<bigint> {
  return (await db.query<{ count: bigint }>(`select count(*)::bigint as count from ${table}`)).rows[0]!.count;
}

describe('bank statement routes', () => {
  it('registers an account within the scope', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/bank-accounts',
      headers: treasury,
      payload: { company: 'BNK', bank: 'Bank NL', accountNumber: 'NL20 BANK 0123 4567 89', currency: 'EUR' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().account.accountNumber).toBe('NL20BANK0123456789');
    const listed = await app.inject({ method: 'GET', url: '/api/v1/bank-accounts', headers: collector });
    expect(listed.json().accounts).toHaveLength(1);
  });

  it('previews a file without storing it', async () => {
    const before = await count('bank_statement');
    const response = await upload(treasury, mt940(), { dryRun: 'true' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.statements[0].entries.map((entry: { amount: string }) => entry.amount)).toEqual(['1250.00', '310.40']);
    expect(body.statements[0].closingBalance).toBe('2716.40');
    expect(await count('bank_statement')).toBe(before);
  });

  it('rejects a broken entry whole, naming line and field', async () => {
    const before = await count('bank_entry');
    const response = await upload(treasury, mt940('2716,40', '31O,40'));
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/stmt\.940, line 7/);
    expect(response.json().error.message).toContain(':61:');
    expect(await count('bank_entry')).toBe(before);
  });

  it('denies a collector and records the attempt', async () => {
    const response = await upload(collector, mt940());
    expect(response.statusCode).toBe(403);
    const denied = await db.query<{ count: bigint }>("select count(*)::bigint as count from audit_event where outcome = 'denied' and action = 'bank.import'");
    expect(denied.rows[0]!.count).toBeGreaterThan(0n);
  });

  it('imports, posts the sure credit and queues the other', async () => {
    const company = await getCompany(db, 'BNK');
    const invoice = (await db.query<{ item_id: bigint }>("select item_id from open_item where erp_key = 'I1'")).rows[0]!.item_id;
    const response = await upload(treasury, mt940());
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.applied).toEqual([{ company: 'BNK', entries: 2, autoPosted: 1, unapplied: 0, review: 1, suspense: 0 }]);
    expect(await itemOpenAmount(db, company.companyId, invoice, '2026-04-02')).toBe(0n);
    expect(await itemOpenAmount(db, company.companyId, invoice, '2026-04-01')).toBe(1_250_00n);

    const again = await upload(treasury, mt940(), {}, 'same-again.940');
    expect(again.json().statements[0].stored).toBe(false);
    expect(again.json().applied).toEqual([]);
  });

  it('lists the review queue and confirms a split', async () => {
    const queue = await app.inject({ method: 'GET', url: '/api/v1/cash-application/queue?status=review', headers: treasury });
    expect(queue.statusCode).toBe(200);
    const entry = queue.json().entries[0];
    expect(entry.amount).toBe('310.40');
    expect(entry.customerNumber).toBe('K2');
    expect(queue.json().counts.review).toBe(1);
    const item = (await db.query<{ item_id: bigint }>("select item_id from open_item where erp_key = 'I2'")).rows[0]!.item_id;

    const forbidden = await app.inject({
      method: 'POST',
      url: `/api/v1/cash-application/entries/${entry.entryId}/confirm`,
      headers: collector,
      payload: { company: 'BNK' },
    });
    expect(forbidden.statusCode).toBe(403);

    const confirmed = await app.inject({
      method: 'POST',
      url: `/api/v1/cash-application/entries/${entry.entryId}/confirm`,
      headers: treasury,
      payload: { company: 'BNK', customerNumber: 'K2', lines: [{ itemId: item.toString(), amount: '300.00' }] },
    });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json().status).toBe('posted');
    const company = await getCompany(db, 'BNK');
    expect(await itemOpenAmount(db, company.companyId, item, '2026-04-30')).toBe(10_40n);
  });

  it('changes settings with an audit event', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/cash-application/settings',
      headers: admin,
      payload: { company: 'BNK', autoPostThreshold: 0.95, shortPayTolerance: 0.01, fxTolerance: 0.02 },
    });
    expect(response.statusCode).toBe(200);
    const read = await app.inject({ method: 'GET', url: '/api/v1/cash-application/settings?company=BNK', headers: collector });
    expect(read.json().autoPostThreshold).toBe(0.95);
  });
});

describe.skipIf(!sampleDir)('real statement files through the API', () => {
  const folders = ['camt-statements', 'mt940-statements', 'bai2-statements'];
  it('previews every file', async () => {
    let files = 0;
    for (const folder of folders) {
      for (const name of await readdir(join(sampleDir!, folder))) {
        const content = await readFile(join(sampleDir!, folder, name));
        const body = multipartBody({ dryRun: 'true' }, [{ name: 'file', fileName: name, content }]);
        const response = await app.inject({ method: 'POST', url: '/api/v1/bank-statements', payload: body.payload, headers: { ...body.headers, ...treasury } });
        expect(response.statusCode, `${folder}/${name}: ${response.body.slice(0, 200)}`).toBe(200);
        expect(response.json().statements.length, `${folder}/${name}`).toBeGreaterThan(0);
        files += 1;
      }
    }
    expect(files).toBeGreaterThan(20);
  });
});

describe.skipIf(!sampleDir)('a multi-currency export through the API', () => {
  it('stores one statement per currency of one account', async () => {
    for (const currency of ['USD', 'EUR', 'AUD']) {
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/bank-accounts',
        headers: treasury,
        payload: { company: 'BNK', bank: 'PayPal', accountNumber: 'PAYPAL', currency },
      });
      expect(created.statusCode, created.body).toBe(201);
    }
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/bank-accounts',
      headers: treasury,
      payload: { company: 'BNK', bank: 'PayPal', accountNumber: 'PAYPAL', currency: 'EUR' },
    });
    expect(again.statusCode).toBe(400);
    const mapping = await readFile(join(import.meta.dirname, '../../examples/bank-mappings/paypal.json'), 'utf8');
    const content = await readFile(join(sampleDir!, 'bank-csv-exports', 'paypal__activity_en.csv'));
    const body = multipartBody({ mapping, match: 'false' }, [{ name: 'file', fileName: 'paypal.csv', content }]);
    const response = await app.inject({ method: 'POST', url: '/api/v1/bank-statements', payload: body.payload, headers: { ...body.headers, ...treasury } });
    expect(response.statusCode, response.body).toBe(200);
    const stored = response.json().statements as { account: string; stored: boolean }[];
    expect(stored).toHaveLength(3);
    expect(stored.every((statement) => statement.stored)).toBe(true);
    const currencies = await db.query<{ currency: string }>(
      `select distinct a.currency from bank_statement s join bank_account a using (company_id, bank_account_id)
       where a.account_number = 'PAYPAL' order by a.currency`,
    );
    expect(currencies.rows.map((row) => row.currency)).toEqual(['AUD', 'EUR', 'USD']);
  });
});
