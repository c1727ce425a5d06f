import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser } from '../../test/helpers/auth.js';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { customerIdsByNumber, testInvoice } from '../../test/helpers/ledger.js';
import { applyImport } from '../ledger/index.js';
import { buildApp } from './app.js';

let db: TestDb;
let app: FastifyInstance;
let admin: Record<string, string>;
let manager: Record<string, string>;
let ann: Record<string, string>;
let analyst: Record<string, string>;
let auditor: Record<string, string>;
const customerIds = new Map<string, string>();
const date = '2026-03-31';

beforeAll(async () => {
  db = await openTestDb();
  const invoice = (customer: string, dueDate: string, amount: bigint) => testInvoice(customer, dueDate, amount, 'EUR');
  await applyImport(db, { kind: 'test', file: 'server-worklist.csv', sha256: 'server-worklist' }, [
    {
      company: { code: 'SWL', currency: 'EUR' },
      customers: [
        { customerNumber: 'N1', name: 'North One', region: 'NORTH', collector: 'Ann Berg' },
        { customerNumber: 'N2', name: 'North Two', region: 'NORTH', collector: 'Carl Dahl' },
      ],
      items: [invoice('N1', '2026-03-11', 5_000_00n), invoice('N2', '2026-02-01', 20_000_00n)],
      allocations: [],
      rowCount: 2,
    },
  ]);
  for (const [customerNumber, customerId] of await customerIdsByNumber(db)) customerIds.set(customerNumber, customerId);
  app = await buildApp(db, { logLevel: 'silent', agingEngine: 'sql' });
  admin = bearer((await createTestUser(db, { role: 'admin' })).token);
  manager = bearer((await createTestUser(db, { role: 'credit_manager' })).token);
  ann = bearer((await createTestUser(db, { role: 'collector', name: 'Ann Berg' })).token);
  analyst = bearer((await createTestUser(db, { role: 'credit_analyst' })).token);
  auditor = bearer((await createTestUser(db, { role: 'auditor' })).token);
});

afterAll(async () => {
  await app.close();
  await db.close();
});

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) {
  const response = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  return { status: response.statusCode, body: response.json() };
}

const strategy = {
  name: 'Standard',
  isDefault: true,
  steps: [
    { action: 'call', daysFrom: 1, daysTo: 30, minAmount: '1000.00' },
    { action: 'letter', daysFrom: 31 },
  ],
};

describe('strategy routes', () => {
  it('saves a strategy as a credit manager and not as a collector', async () => {
    const denied = await call('PUT', '/strategies/STD?company=SWL', ann, strategy);
    expect(denied.status).toBe(403);
    const saved = await call('PUT', '/strategies/STD?company=SWL', manager, strategy);
    expect(saved.status).toBe(200);
    expect(saved.body.strategy.version).toBe(1);
    expect(saved.body.strategy.steps[0]).toMatchObject({ position: 1, action: 'call', minAmount: '1000.00', weight: 10 });
    const again = await call('PUT', '/strategies/STD?company=SWL', manager, { ...strategy, name: 'Standard v2' });
    expect(again.body.strategy.version).toBe(2);
    const first = await call('GET', '/strategies/STD?company=SWL&version=1', ann);
    expect(first.body.strategy.name).toBe('Standard');
  });

  it('names the bad field of a strategy', async () => {
    const bad = await call('PUT', '/strategies/STD?company=SWL', admin, { ...strategy, steps: [{ action: 'call', daysFrom: 9, daysTo: 2 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('steps[0].daysTo');
    const mismatch = await call('PUT', '/strategies/STD?company=SWL', admin, { ...strategy, code: 'OTHER' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.field).toBe('code');
  });

  it('adds and deletes rules', async () => {
    const added = await call('POST', '/strategy-rules', manager, { company: 'SWL', priority: 1, strategy: 'STD', region: 'NORTH' });
    expect(added.status).toBe(200);
    const listed = await call('GET', '/strategy-rules?company=SWL', ann);
    expect(listed.body.rules).toEqual([expect.objectContaining({ priority: 1, strategy: 'STD', region: 'NORTH' })]);
    const deleted = await call('DELETE', `/strategy-rules/${added.body.rule.ruleId}?company=SWL`, manager);
    expect(deleted.status).toBe(200);
    expect((await call('GET', '/strategy-rules?company=SWL', ann)).body.rules).toEqual([]);
  });

  it('sets a risk class as a credit analyst only', async () => {
    const url = `/customers/${customerIds.get('N1')}/risk-class`;
    expect((await call('PUT', url, ann, { riskClass: 'high' })).status).toBe(403);
    const set = await call('PUT', url, analyst, { riskClass: 'high' });
    expect(set.body).toEqual({ customerId: customerIds.get('N1'), riskClass: 'high' });
  });
});

describe('worklist route', () => {
  it('returns ranked entries with score parts', async () => {
    const list = await call('GET', `/worklist?company=SWL&date=${date}`, manager);
    expect(list.status).toBe(200);
    // N2: 20,000.00 (8.00), 58 days (9.67), letter (10) = 27.67.
    // N1: 5,000.00 (2.00), 20 days (3.33), high (10), call (10) = 25.33.
    expect(list.body.entries.map((entry: { customerNumber: string; score: string }) => [entry.customerNumber, entry.score])).toEqual([
      ['N2', '27.67'],
      ['N1', '25.33'],
    ]);
    expect(list.body.entries[1].parts).toEqual({ amount: '2.00', days: '3.33', risk: '10.00', brokenPromises: '0.00', step: '10.00', tasks: '0.00' });
    expect(list.body.entries[1]).toMatchObject({ rank: 2, action: 'call', overdue: '5000.00', strategy: 'STD', strategyVersion: 2 });
  });

  it('shows a collector only their own customers', async () => {
    const own = await call('GET', `/worklist?company=SWL&date=${date}`, ann);
    expect(own.body.entries.map((entry: { customerNumber: string }) => entry.customerNumber)).toEqual(['N1']);
    expect(own.body.collectors).toEqual([{ collector: 'Ann Berg', entries: 1 }]);
    const other = await call('GET', `/worklist?company=SWL&date=${date}&collector=Carl%20Dahl`, ann);
    expect(other.status).toBe(403);
    const filtered = await call('GET', `/worklist?company=SWL&date=${date}&collector=carl%20dahl`, manager);
    expect(filtered.body.entries.map((entry: { customerNumber: string }) => entry.customerNumber)).toEqual(['N2']);
    expect(filtered.body.total).toBe(1);
  });

  it('keeps the worklist from roles outside collection work', async () => {
    expect((await call('GET', `/worklist?company=SWL&date=${date}`, auditor)).status).toBe(403);
  });

  it('shows activities and promises on the customer timeline', async () => {
    const customer = customerIds.get('N1');
    const activity = await call('POST', `/customers/${customer}/activities`, ann, { kind: 'call', date, outcome: 'promised', contact: 'Ms North' });
    expect(activity.status).toBe(201);
    const promise = await call('POST', `/customers/${customer}/promises`, ann, {
      currency: 'EUR',
      amount: '5000.00',
      promiseDate: date,
      promisedDate: '2026-04-10',
      activityId: activity.body.activity.activityId,
    });
    expect(promise.status).toBe(201);
    const timeline = await call('GET', `/customers/${customer}/timeline?company=SWL&limit=2`, ann);
    expect(timeline.body.total).toBe(3);
    expect(timeline.body.events.map((event: { kind: string }) => event.kind)).toEqual(['promise', 'activity']);
    expect(timeline.body.events[0]).toMatchObject({ amount: '5000.00', currency: 'EUR', status: 'open', promisedDate: '2026-04-10' });
    expect(timeline.body.events[1]).toMatchObject({ activityKind: 'call', outcome: 'promised', contact: 'Ms North', amount: null });
    const rest = await call('GET', `/customers/${customer}/timeline?company=SWL&limit=2&offset=2`, ann);
    expect(rest.body.events.map((event: { kind: string; documentNumber: string }) => [event.kind, event.documentNumber])).toEqual([['item', 'INV-N1']]);
    // The call did the step, so N1 leaves Ann's list for the day.
    const own = await call('GET', `/worklist?company=SWL&date=${date}`, ann);
    expect(own.body.entries).toEqual([]);
  });
});
