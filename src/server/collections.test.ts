import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { applyImport } from '../ledger/index.js';
import { addDays } from '../shared/dates.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let admin: Record<string, string>;
let east: Record<string, string>;
let eastEmail: string;
let auditor: Record<string, string>;
const customerIds = new Map<string, string>();
const itemIds = new Map<string, string>();

beforeAll(async () => {
  db = await openTestDb();
  const invoice = (customer: string) => ({
    customerNumber: customer,
    kind: 'invoice' as const,
    documentNumber: `INV-${customer}`,
    erpKey: `INV-${customer}`,
    documentDate: '2026-01-05',
    postingDate: '2026-01-05',
    dueDate: '2026-02-04',
    currency: 'KWD',
    amount: 1_000_500n,
  });
  await applyImport(db, { kind: 'test', file: 'server-collections.csv', sha256: 'server-collections' }, [
    {
      company: { code: 'SCO', currency: 'KWD' },
      customers: [
        { customerNumber: 'E1', name: 'East One', region: 'EAST' },
        { customerNumber: 'W1', name: 'West One', region: 'WEST' },
      ],
      items: [
        invoice('E1'),
        invoice('W1'),
        {
          ...invoice('E1'),
          kind: 'payment' as const,
          documentNumber: 'PAY-E1',
          erpKey: 'PAY-E1',
          documentDate: '2026-03-11',
          postingDate: '2026-03-11',
          dueDate: '2026-03-11',
          amount: -400_250n,
        },
      ],
      allocations: [{ creditErpKey: 'PAY-E1', debitErpKey: 'INV-E1', allocationDate: '2026-03-11', amount: 400_250n }],
      rowCount: 3,
    },
  ]);
  const rows = await db.query<{ customer_number: string; customer_id: bigint; item_id: bigint; kind: string }>(
    'select c.customer_number, c.customer_id, i.item_id, i.kind from customer c join open_item i using (company_id, customer_id)',
  );
  for (const row of rows.rows) {
    customerIds.set(row.customer_number, row.customer_id.toString());
    if (row.kind === 'invoice') itemIds.set(row.customer_number, row.item_id.toString());
  }
  app = await buildApp(db, { logLevel: 'silent', agingEngine: 'sql' });
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
  const eastUser = await createTestUser(db, { role: 'collector', regions: ['EAST'] });
  east = bearer(eastUser.token);
  eastEmail = eastUser.email;
  auditor = bearer((await createTestUser(db, { role: 'auditor' })).token);
});
afterAll(async () => {
  await app.close();
  await db.close();
});

async function call(method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: Record<string, unknown>) {
  const response = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload }) });
  return { status: response.statusCode, body: response.json() };
}

async function count(table: string): Promise<bigint> {
  return (await db.query<{ n: bigint }>(`select count(*) as n from ${table}`)).rows[0]!.n;
}

describe('collection routes', () => {
  it('logs an activity and lists it per customer, per collector and by follow-up day', async () => {
    const posted = await call('POST', `/customers/${customerIds.get('E1')}/activities`, east, {
      kind: 'call',
      date: '2026-03-01',
      contact: 'Mr East',
      outcome: 'promised',
      followUpDate: '2026-03-11',
    });
    expect(posted.status).toBe(201);
    expect(posted.body.activity).toMatchObject({ company: 'SCO', kind: 'call', outcome: 'promised', actor: eastEmail, followUpDate: '2026-03-11' });
    const listed = await call('GET', `/customers/${customerIds.get('E1')}/activities`, east);
    expect(listed.body.activities.map((activity: { activityId: string }) => activity.activityId)).toEqual([posted.body.activity.activityId]);
    const mine = await call('GET', '/activities?company=SCO', east);
    expect(mine.body.activities).toHaveLength(1);
    const none = await call('GET', '/activities?company=SCO', admin);
    expect(none.body.activities).toHaveLength(0);
    const due = await call('GET', '/activities/follow-ups?company=SCO&date=2026-03-11', admin);
    expect(due.body.activities.map((activity: { activityId: string }) => activity.activityId)).toEqual([posted.body.activity.activityId]);
    const notDue = await call('GET', '/activities/follow-ups?company=SCO&date=2026-03-10', admin);
    expect(notDue.body.activities).toEqual([]);
  });

  it('records a promise and keeps it with a payment one day into the grace', async () => {
    const posted = await call('POST', `/customers/${customerIds.get('E1')}/promises`, east, {
      currency: 'KWD',
      amount: '400.250',
      promiseDate: '2026-03-01',
      promisedDate: '2026-03-10',
      items: [{ itemId: itemIds.get('E1'), amount: '400.250' }],
    });
    expect(posted.status).toBe(201);
    expect(posted.body.promise).toMatchObject({ amount: '400.250', status: 'open', items: [{ documentNumber: 'INV-E1', amount: '400.250' }] });
    const evaluated = await call('POST', '/promises/evaluate', admin, { company: 'SCO', asOf: '2026-03-12' });
    expect(evaluated.status).toBe(200);
    expect(evaluated.body.graceDays).toBe(3);
    expect(addDays('2026-03-10', 1)).toBe('2026-03-11');
    expect(evaluated.body.kept.map((promise: { decidedDate: string; paidAmount: string }) => [promise.decidedDate, promise.paidAmount])).toEqual([
      ['2026-03-11', '400.250'],
    ]);
    const kept = await call('GET', '/promises?company=SCO&status=kept', east);
    expect(kept.body.promises).toHaveLength(1);
    const open = await call('GET', '/promises?company=SCO&status=open', east);
    expect(open.body.promises).toHaveLength(0);
  });

  it('opens, reviews and resolves a dispute and refuses one above the open amount', async () => {
    const customer = customerIds.get('E1');
    const before = [await count('dispute'), await count('dispute_item')];
    // Open on 2026-03-12: 1000.500 less the 400.250 paid on 2026-03-11.
    const tooMuch = await call('POST', `/customers/${customer}/disputes`, east, {
      reason: 'price',
      department: 'sales',
      date: '2026-03-12',
      items: [{ itemId: itemIds.get('E1'), amount: '600.251' }],
    });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.code).toBe('amount_exceeds_open');
    expect([await count('dispute'), await count('dispute_item')]).toEqual(before);

    const opened = await call('POST', `/customers/${customer}/disputes`, east, {
      reason: 'price',
      department: 'sales',
      date: '2026-03-12',
      items: [{ itemId: itemIds.get('E1'), amount: '600.250' }],
    });
    expect(opened.status).toBe(201);
    const id = opened.body.dispute.disputeId as string;
    const reviewed = await call('POST', `/disputes/${id}/review`, east, { date: '2026-03-13' });
    expect(reviewed.body.dispute.status).toBe('in_review');
    const resolved = await call('POST', `/disputes/${id}/resolve`, east, { date: '2026-03-20', resolution: 'rejected' });
    expect(resolved.status).toBe(200);
    expect(resolved.body.dispute).toMatchObject({ status: 'resolved', resolution: 'rejected', resolvedDate: '2026-03-20' });
    expect(resolved.body.events.map((event: { toStatus: string }) => event.toStatus)).toEqual(['open', 'in_review', 'resolved']);
    const listed = await call('GET', '/disputes?company=SCO&status=resolved', admin);
    expect(listed.body.disputes.map((dispute: { disputeId: string }) => dispute.disputeId)).toEqual([id]);
  });

  it('answers 403 with a denied audit row for a customer outside the region', async () => {
    const west = customerIds.get('W1');
    const denied = async () =>
      (await db.query<{ n: bigint }>("select count(*) as n from audit_event where outcome = 'denied' and actor_email = $1", [eastEmail])).rows[0]!.n;
    const rowsBefore = [await count('collection_activity'), await count('promise_to_pay'), await count('dispute')];
    const deniedBefore = await denied();
    const attempts = [
      await call('POST', `/customers/${west}/activities`, east, { kind: 'call', date: '2026-03-01', outcome: 'reached' }),
      await call('POST', `/customers/${west}/promises`, east, { currency: 'KWD', amount: '1.000', promiseDate: '2026-03-01', promisedDate: '2026-03-02' }),
      await call('POST', `/customers/${west}/disputes`, east, { reason: 'price', department: 'sales', items: [{ itemId: itemIds.get('W1'), amount: '1.000' }] }),
      await call('GET', `/customers/${west}/disputes`, east),
    ];
    expect(attempts.map((attempt) => attempt.status)).toEqual([403, 403, 403, 403]);
    expect(await denied()).toBe(deniedBefore + 4n);
    const last = await db.query<{ entity: string; entity_id: string; action: string }>(
      "select entity, entity_id, action from audit_event where outcome = 'denied' and actor_email = $1 order by event_id",
      [eastEmail],
    );
    expect(last.rows.map((row) => [row.entity, row.entity_id, row.action])).toEqual([
      ['customer', west, 'activity.add'],
      ['customer', west, 'promise.add'],
      ['customer', west, 'dispute.add'],
      ['customer', west, 'read'],
    ]);
    expect([await count('collection_activity'), await count('promise_to_pay'), await count('dispute')]).toEqual(rowsBefore);
    // A region user's lists leave out other regions' records.
    const all = await call('GET', '/disputes?company=SCO', east);
    expect(all.body.disputes.every((dispute: { customerNumber: string }) => dispute.customerNumber === 'E1')).toBe(true);
  });

  it('refuses collection work to a role that does not do it', async () => {
    const before = await count('collection_activity');
    const attempt = await call('POST', `/customers/${customerIds.get('E1')}/activities`, auditor, { kind: 'call', date: '2026-03-01', outcome: 'reached' });
    expect(attempt.status).toBe(403);
    expect(await count('collection_activity')).toBe(before);
    const read = await call('GET', `/customers/${customerIds.get('E1')}/activities`, auditor);
    expect(read.status).toBe(200);
  });
});
