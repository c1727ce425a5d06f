/**
 * Attacks on `POST /statements/batch` and the review routes.
 */
import { createServer, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { cliActor } from '../auth/actor.js';
import { setContact } from '../collections/contacts.js';
import { applyImport, getCompany, type OpenItemInput } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let smtp: LocalSmtp;
let admin: Record<string, string>;
let southCollector: Record<string, string>;
let southManager: Record<string, string>;
const saved = { url: process.env.ARDESK_SMTP_URL, from: process.env.ARDESK_MAIL_FROM };

function invoice(customerNumber: string, documentNumber: string, date: string, amount: bigint): OpenItemInput {
  return { customerNumber, kind: 'invoice', documentNumber, erpKey: documentNumber, documentDate: date, postingDate: date, dueDate: date, currency: 'KWD', amount };
}

/** Returns a loopback port without a listener. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  db = await openTestDb();
  smtp = await startLocalSmtp();
  process.env.ARDESK_SMTP_URL = smtp.url;
  process.env.ARDESK_MAIL_FROM = 'ar@adversarial.example';
  await applyImport(db, { kind: 'test', file: 'api-adversarial', sha256: 'api-statements-reviews-adversarial' }, [
    {
      company: { code: 'AA01', name: 'Api Adversarial', currency: 'KWD' },
      customers: [
        { customerNumber: 'N1', name: 'North One', region: 'North' },
        { customerNumber: 'S1', name: 'South One', region: 'South' },
      ],
      items: [invoice('N1', 'N1-1', '2026-01-10', 10_000n), invoice('S1', 'S1-1', '2026-01-10', 20_000n)],
      allocations: [],
      rowCount: 2,
    },
  ]);
  const company = await getCompany(db, 'AA01');
  const ids = await db.query<{ customer_id: bigint; customer_number: string }>('select customer_id, customer_number from customer where company_id = $1', [company.companyId]);
  const idOf = (number: string) => ids.rows.find((row) => row.customer_number === number)!.customer_id;
  await setContact(db, company.companyId, { customerId: idOf('N1'), purpose: 'statements', email: 'ap@north.example' }, cliActor());
  await setContact(db, company.companyId, { customerId: idOf('S1'), purpose: 'statements', email: 'ap@south.example' }, cliActor());
  app = await buildApp(db, { logLevel: 'silent' });
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
  southCollector = bearer((await createTestUser(db, { role: 'collector', companies: ['AA01'], regions: ['South'] })).token);
  southManager = bearer((await createTestUser(db, { role: 'credit_manager', companies: ['AA01'], regions: ['South'] })).token);
}, 120_000);

afterAll(async () => {
  await app.close();
  await smtp.close();
  await db.close();
  for (const [key, value] of [['ARDESK_SMTP_URL', saved.url], ['ARDESK_MAIL_FROM', saved.from]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const batch = (headers: Record<string, string>, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/api/v1/statements/batch', headers, payload: { company: 'AA01', from: '2026-01-01', to: '2026-01-31', ...payload } });

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

describe('POST /statements/batch under attack', () => {
  it('rejects a bad body with the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ customers: [] }, 'customers'],
      [{ from: '2026-02-30' }, 'from'],
      [{ from: '2026-02-01', to: '2026-01-31' }, 'from'],
      [{ region: '   ' }, 'region'],
    ];
    for (const [payload, field] of cases) {
      const response = await batch(admin, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json<ErrorBody>().error.field ?? response.body, JSON.stringify(payload)).toContain(field);
    }
    // Nothing was mailed by the rejected requests.
    expect(smtp.messages).toEqual([]);
  });

  it('requires a signed-in user', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/statements/batch', payload: { from: '2026-01-01', to: '2026-01-31' } });
    expect(response.statusCode).toBe(401);
  });

  it('rejects a region outside the scope', async () => {
    const response = await batch(southCollector, { region: 'North' });
    expect(response.statusCode, response.body).toBe(403);
    expect(smtp.messages).toEqual([]);
  });

  it('rejects the sales role', async () => {
    const sales = bearer((await createTestUser(db, { role: 'sales' })).token);
    const response = await batch(sales, { customers: ['N1'] });
    expect(response.statusCode).toBe(403);
  });

  it('names the mail server when it is down', async () => {
    const url = process.env.ARDESK_SMTP_URL;
    process.env.ARDESK_SMTP_URL = `smtp://127.0.0.1:${await deadPort()}`;
    try {
      const response = await batch(admin, { customers: ['N1'] });
      expect(response.statusCode, response.body).not.toBe(500);
      expect(response.json<ErrorBody>().error.message).toMatch(/mail server|SMTP/i);
    } finally {
      process.env.ARDESK_SMTP_URL = url;
    }
  });
});

describe('review routes under attack', () => {
  it('keeps a regional manager out of another region', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/reviews', headers: southManager, payload: { company: 'AA01', region: 'North', date: '2026-03-31' } });
    expect(created.statusCode, created.body).toBe(403);
    const north = await app.inject({ method: 'POST', url: '/api/v1/reviews', headers: admin, payload: { company: 'AA01', region: 'North', date: '2026-03-31' } });
    expect(north.statusCode, north.body).toBe(201);
    const reviewId = north.json<{ review: { reviewId: string } }>().review.reviewId;
    const read = await app.inject({ method: 'GET', url: `/api/v1/reviews/${reviewId}`, headers: southManager });
    expect(read.statusCode).toBe(403);
    const pdf = await app.inject({ method: 'GET', url: `/api/v1/reviews/${reviewId}/pdf`, headers: southManager });
    expect(pdf.statusCode).toBe(403);
    const listed = await app.inject({ method: 'GET', url: '/api/v1/reviews?company=AA01', headers: southManager });
    expect(listed.json<{ reviews: unknown[] }>().reviews).toEqual([]);
    const action = await app.inject({
      method: 'POST',
      url: `/api/v1/reviews/${reviewId}/actions`,
      headers: southManager,
      payload: { customerNumber: 'N1', text: 'Visit', owner: 'ops@example.com', due: '2026-04-10' },
    });
    expect(action.statusCode).toBe(403);
  });

  it('answers a second review of the same day with 400', async () => {
    const again = await app.inject({ method: 'POST', url: '/api/v1/reviews', headers: admin, payload: { company: 'AA01', region: 'North', date: '2026-03-31' } });
    expect(again.statusCode).toBe(400);
    expect(again.json<ErrorBody>().error.field).toBe('date');
  });

  it('rejects a review id that is not a number', async () => {
    for (const id of ['abc', '99999999999999999999999']) {
      const response = await app.inject({ method: 'GET', url: `/api/v1/reviews/${id}`, headers: admin });
      expect([400, 404], id).toContain(response.statusCode);
    }
  });
});
