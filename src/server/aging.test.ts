import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { fixtureLedgers, kuwaitCustomerNumber, loadFixture } from '../../test/server/fixture.js';
import {
  agingReport,
  agingReportToJson,
  defaultBucketLimits,
  type AgingRequest,
} from '../aging/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let auth: Record<string, string>;

beforeAll(async () => {
  db = await openTestDb();
  await loadFixture(db);
  app = await buildApp(db, { logLevel: 'silent' });
  auth = bearer((await createTestUser(db, { role: 'admin' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

async function get(url: string) {
  const response = await app.inject({ method: 'GET', url, headers: auth });
  return { status: response.statusCode, body: response.json() };
}

async function post(url: string, payload: unknown) {
  const response = await app.inject({ method: 'POST', url, payload: payload as object, headers: auth });
  return { status: response.statusCode, body: response.json() };
}

/** Parses "-1234.567" into minor units, independently of the code under test. */
function minorUnits(text: string, exponent: number): bigint {
  expect(text).toMatch(exponent === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${exponent}}$`));
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole!) * 10n ** BigInt(exponent) + BigInt(fraction || '0');
  return negative ? -value : value;
}

const kuwait = fixtureLedgers()[0]!;

/** KW01's open balance in fils on a date, summed straight from the fixture. */
function kuwaitOpenBalance(asOf: string): bigint {
  const posted = kuwait.items.filter((item) => item.postingDate <= asOf);
  const sum = posted.reduce((total, item) => total + item.amount, 0n);
  // An allocation lowers the invoice and raises the payment by the same
  // amount in one currency, so it leaves the balance unchanged.
  return sum;
}

describe('GET /aging', () => {
  it.each<[string, Partial<AgingRequest>]>([
    ['asOf=2026-03-31', {}],
    ['asOf=2026-03-31&company=KW01&by=country', { companies: ['KW01'], groupBy: 'country' }],
    ['asOf=2026-02-15&basis=document&buckets=0,15,45', { asOf: '2026-02-15', basis: 'document', bucketLimits: [0, 15, 45] }],
    ['asOf=2026-03-31&currency=transaction&by=currency', { currency: 'transaction', groupBy: 'currency' }],
    ['asOf=2026-03-31&company=KW01&ageCredits=true', { companies: ['KW01'], ageCredits: true }],
    ['asOf=2026-03-31&company=US01&company=KW01&by=company', { companies: ['US01', 'KW01'], groupBy: 'company' }],
  ])('%s equals agingReport', async (query, overrides) => {
    const { status, body } = await get(`/api/v1/aging?${query}`);
    expect(status).toBe(200);
    const request: AgingRequest = {
      asOf: '2026-03-31',
      basis: 'due',
      groupBy: 'customer',
      bucketLimits: defaultBucketLimits,
      currency: 'local',
      ...overrides,
    };
    const direct = agingReportToJson(await agingReport(db, request));
    expect(body).toEqual(JSON.parse(JSON.stringify(direct)));
  });

  it('totals match the fixture exactly', async () => {
    const { body } = await get('/api/v1/aging?asOf=2026-03-31&company=KW01');
    expect(body.currency).toBe('KWD');
    expect(minorUnits(body.total.total, 3)).toBe(kuwaitOpenBalance('2026-03-31'));
    const first = body.rows.find((row: { key: string }) => row.key === kuwaitCustomerNumber(1));
    // A float would round 2^53 + 1 fils, so the last digit shows exactness.
    expect(minorUnits(first.total, 3)).toBe(9_007_199_254_740_993n + 1_000_123n);
  });

  it('puts the unapplied payment last', async () => {
    const { body } = await get('/api/v1/aging?asOf=2026-03-31&company=KW01');
    const unapplied = body.buckets.length - 1;
    expect(body.buckets[unapplied].from).toBeNull();
    // PAY-1 of 1,500.000 KWD has 1,000.000 allocated, so 500.000 is unapplied.
    expect(body.total.amounts[unapplied]).toBe('-500.000');
  });

  it.each([
    ['asOf=2026-02-30', 'asOf'],
    ['asOf=31.03.2026', 'asOf'],
    ['', 'asOf'],
    ['asOf=2026-03-31&basis=posting', 'basis'],
    ['asOf=2026-03-31&by=planet', 'by'],
    ['asOf=2026-03-31&buckets=0,60,30', 'buckets'],
    ['asOf=2026-03-31&buckets=0,abc', 'buckets'],
    ['asOf=2026-03-31&currency=EUR', 'currency'],
    ['asOf=2026-03-31&ageCredits=maybe', 'ageCredits'],
  ])('rejects %s', async (query, field) => {
    const { status, body } = await get(`/api/v1/aging?${query}`);
    expect(status).toBe(400);
    expect(body.error.field).toBe(field);
    expect(body.error.message).toContain(field === 'buckets' ? 'bucket' : field);
  });

  it('unknown company is 404', async () => {
    const { status, body } = await get('/api/v1/aging?asOf=2026-03-31&company=KW01,XX01');
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ code: 'not_found', field: 'company' });
    expect(body.error.message).toContain('XX01');
  });
});

describe('GET /aging/items', () => {
  const base = '/api/v1/aging/items?asOf=2026-03-31&company=KW01';

  it('pages cover every open item once', async () => {
    const seen = new Set<string>();
    let total = -1;
    for (let offset = 0; total < 0 || offset < total; offset += 7) {
      const { status, body } = await get(`${base}&limit=7&offset=${offset}`);
      expect(status).toBe(200);
      total = body.total;
      for (const item of body.items) seen.add(item.itemId);
    }
    // Every fixture item is open on 2026-03-31: INV-2 and PAY-1 only partly allocated.
    expect(total).toBe(kuwait.items.length);
    expect(seen.size).toBe(total);
  });

  it('items add up to each report cell', async () => {
    const report = (await get('/api/v1/aging?asOf=2026-03-31&company=KW01&by=country')).body;
    expect(report.rows.map((row: { key: string }) => row.key).sort()).toEqual(['KW', 'SA']);
    for (const row of report.rows) {
      for (let bucket = 0; bucket < report.buckets.length; bucket += 1) {
        const { body } = await get(
          `${base}&by=country&key=${encodeURIComponent(row.key)}&bucket=${bucket}&limit=1000`,
        );
        const sum = body.items.reduce(
          (total: bigint, item: { openAmountLocal: string }) => total + minorUnits(item.openAmountLocal, 3),
          0n,
        );
        expect(sum, `${row.key} bucket ${bucket}`).toBe(minorUnits(row.amounts[bucket], 3));
        expect(body.total).toBe(body.items.length);
      }
    }
  });

  it('formats item amounts exactly', async () => {
    const { body } = await get(`${base}&key=${kuwaitCustomerNumber(2)}`);
    const invoice = body.items.find((item: { documentNumber: string }) => item.documentNumber === 'INV-2');
    // 2 x 1,000.123 KWD invoiced, 1,000.000 KWD allocated.
    expect(invoice.openAmount).toBe('1000.246');
  });

  it.each([
    ['bucket=99', 'bucket'],
    ['bucket=-1', 'bucket'],
    ['limit=0', 'limit'],
    ['offset=x', 'offset'],
  ])('rejects %s', async (query, field) => {
    const { status, body } = await get(`${base}&${query}`);
    expect(status).toBe(400);
    expect(body.error.field).toBe(field);
  });
});

describe('snapshots', () => {
  it('stores once and lists it', async () => {
    const first = await post('/api/v1/snapshots', { company: 'KW01', asOf: '2026-03-31' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      company: 'KW01',
      asOf: '2026-03-31',
      basis: 'due',
      bucketLimits: [...defaultBucketLimits],
      isMonthEnd: true,
      currency: 'KWD',
    });
    expect(first.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(minorUnits(first.body.totalLocal, 3)).toBe(kuwaitOpenBalance('2026-03-31'));

    const again = await post('/api/v1/snapshots', { company: 'KW01', asOf: '2026-03-31' });
    expect(again.status).toBe(200);
    expect(again.body.snapshotId).toBe(first.body.snapshotId);

    const listed = await get('/api/v1/snapshots?company=KW01');
    expect(listed.status).toBe(200);
    expect(listed.body.snapshots.map((snapshot: { snapshotId: string }) => snapshot.snapshotId)).toEqual([
      first.body.snapshotId,
    ]);
  });

  it('accepts buckets as text or array', async () => {
    const text = await post('/api/v1/snapshots', { company: 'US01', asOf: '2026-03-15', buckets: '0,30' });
    expect(text.status).toBe(201);
    expect(text.body.bucketLimits).toEqual([0, 30]);
    const array = await post('/api/v1/snapshots', { company: 'US01', asOf: '2026-03-15', buckets: [0, 30] });
    expect(array.status).toBe(200);
    expect(array.body.snapshotId).toBe(text.body.snapshotId);
    expect(array.body.totalLocal).toBe('1234.56');
  });

  it.each([
    [{ company: 'KW01', asOf: '2026-04-31' }, 'asOf'],
    [{ asOf: '2026-03-31' }, 'company'],
    [{ company: 'KW01', asOf: '2026-03-31', basis: 'posting' }, 'basis'],
    [{ company: 'KW01', asOf: '2026-03-31', buckets: '30,0' }, 'buckets'],
    [{ company: 'KW01', asOf: '2026-03-31', buckets: [0, 'x'] }, 'buckets'],
  ])('rejects %j', async (payload, field) => {
    const { status, body } = await post('/api/v1/snapshots', payload);
    expect(status).toBe(400);
    expect(body.error.field).toBe(field);
  });

  it('unknown company is 404', async () => {
    const created = await post('/api/v1/snapshots', { company: 'NOPE', asOf: '2026-03-31' });
    expect(created.status).toBe(404);
    expect(created.body.error.field).toBe('company');
    const listed = await get('/api/v1/snapshots?company=NOPE');
    expect(listed.status).toBe(404);
  });

  it('invalid JSON body is 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/snapshots',
      headers: { 'content-type': 'application/json', ...auth },
      payload: '{"company": "KW01", ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });
});
