import type { FastifyInstance } from 'fastify';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { applyImport, type OpenItemInput } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let manager: Record<string, string>;
let southManager: Record<string, string>;
let collector: Record<string, string>;

function invoice(customerNumber: string, documentNumber: string, due: string, amount: bigint): OpenItemInput {
  return {
    customerNumber,
    kind: 'invoice',
    documentNumber,
    erpKey: documentNumber,
    documentDate: '2026-01-05',
    postingDate: '2026-01-05',
    dueDate: due,
    currency: 'EUR',
    amount,
  };
}

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'reviews-api', sha256: 'reviews-api' }, [
    {
      company: { code: 'RA01', name: 'Review API Books', currency: 'EUR' },
      customers: [
        { customerNumber: 'G1', name: 'Gamma Retail', region: 'North' },
        { customerNumber: 'G2', name: 'Delta Wholesale', region: 'North' },
        { customerNumber: 'S1', name: 'Sigma Stores', region: 'South' },
      ],
      items: [
        invoice('G1', 'G1-1', '2026-02-04', 123_45n),
        invoice('G2', 'G2-1', '2026-03-01', 10_000n),
        invoice('S1', 'S1-1', '2026-02-04', 55_500n),
      ],
      allocations: [],
      rowCount: 3,
    },
  ]);
  app = await buildApp(db, { logLevel: 'silent' });
  manager = bearer((await createTestUser(db, { role: 'credit_manager' })).token);
  southManager = bearer((await createTestUser(db, { role: 'credit_manager', regions: ['South'] })).token);
  collector = bearer((await createTestUser(db, { role: 'collector' })).token);
}, 120_000);

afterAll(async () => {
  await app.close();
  await db.close();
});

interface ReviewBody {
  review: {
    reviewId: string;
    region: string;
    customers: { customerNumber: string; status: string; overdue: string }[];
    totals: { overdue: string };
    actions: { text: string; activityId: string; status: string }[];
  };
}

async function createReview(headers: Record<string, string>, region: string, date: string) {
  return app.inject({ method: 'POST', url: '/api/v1/reviews', headers, payload: { company: 'RA01', region, date } });
}

describe('reviews API', () => {
  let reviewId = '';

  it('creates a review of a region', async () => {
    const response = await createReview(manager, 'North', '2026-03-31');
    expect(response.statusCode, response.body).toBe(201);
    const { review } = response.json<ReviewBody>();
    reviewId = review.reviewId;
    // G1 123.45 and G2 100.00 are past due on 2026-03-31; S1 is South.
    expect(review.customers.map((customer) => [customer.customerNumber, customer.overdue])).toEqual([
      ['G1', '123.45'],
      ['G2', '100.00'],
    ]);
    expect(review.totals.overdue).toBe('223.45');
  });

  it('refuses a role without collections.review', async () => {
    const response = await createReview(collector, 'North', '2026-04-30');
    expect(response.statusCode).toBe(403);
    const read = await app.inject({ method: 'GET', url: `/api/v1/reviews/${reviewId}`, headers: collector });
    expect(read.statusCode).toBe(403);
  });

  it('keeps a regional manager to their region', async () => {
    expect((await createReview(southManager, 'North', '2026-04-30')).statusCode).toBe(403);
    const read = await app.inject({ method: 'GET', url: `/api/v1/reviews/${reviewId}`, headers: southManager });
    expect(read.statusCode).toBe(403);
    const list = await app.inject({ method: 'GET', url: '/api/v1/reviews', headers: southManager });
    expect(list.json<{ reviews: unknown[] }>().reviews).toEqual([]);
    const own = await createReview(southManager, 'South', '2026-03-31');
    expect(own.statusCode, own.body).toBe(201);
  });

  it('records an action that shows in the follow-ups', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/reviews/${reviewId}/actions`,
      headers: manager,
      payload: { customerNumber: 'G1', text: 'Escalate to sales director', owner: 'lead@example.com', due: '2026-04-08' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const followUps = await app.inject({ method: 'GET', url: '/api/v1/activities/follow-ups?company=RA01&date=2026-04-08', headers: manager });
    const notes = followUps.json<{ activities: { note: string; kind: string }[] }>().activities.map((activity) => [activity.kind, activity.note]);
    expect(notes).toEqual([['meeting', 'Escalate to sales director']]);
    const read = await app.inject({ method: 'GET', url: `/api/v1/reviews/${reviewId}`, headers: manager });
    expect(read.json<ReviewBody>().review.actions.map((action) => action.text)).toEqual(['Escalate to sales director']);
  });

  it('sends the pack as a PDF', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/v1/reviews/${reviewId}/pdf`, headers: manager });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    const parser = new PDFParse({ data: response.rawPayload });
    const text = (await parser.getText()).text;
    await parser.destroy();
    expect(text).toContain('region North');
    expect(text).toContain('223.45 EUR');
    expect(text).toContain('Gamma Retail');
    expect(text).toContain('Delta Wholesale');
  });

  it('names an invalid date', async () => {
    const response = await createReview(manager, 'North', '2026-13-01');
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { field: string } }>().error.field).toBe('date');
  });
});
