import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import type { Actor } from '../auth/types.js';
import { applyImport, getCompany } from '../ledger/index.js';
import type { Company } from '../ledger/types.js';
import { activityTimelineSql, listActivities, logActivity } from './activities.js';

let db: TestDb;
let company: Company;
const customers = new Map<string, bigint>();
const collector: Actor = { ...cliActor(), email: 'ann@example.test', role: 'collector' };
const other: Actor = { ...cliActor(), email: 'bob@example.test', role: 'sales' };

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'activities.csv', sha256: 'activities' }, [
    {
      company: { code: 'ACT', currency: 'EUR' },
      customers: [
        { customerNumber: 'A1', name: 'Alpha', region: 'NORTH' },
        { customerNumber: 'A2', name: 'Beta', region: 'SOUTH' },
      ],
      items: [],
      allocations: [],
      rowCount: 0,
    },
  ]);
  company = await getCompany(db, 'ACT');
  const rows = await db.query<{ customer_number: string; customer_id: bigint }>('select customer_number, customer_id from customer where company_id = $1', [
    company.companyId,
  ]);
  for (const row of rows.rows) customers.set(row.customer_number, row.customer_id);
});
afterAll(async () => {
  await db.close();
});

describe('activities', () => {
  it('logs calls and visits, lists them per customer, per collector and by follow-up day', async () => {
    const call = await logActivity(
      db,
      company.companyId,
      { customerId: customers.get('A1')!, kind: 'call', date: '2026-05-04', contact: 'Ms Alpha', outcome: 'no_answer', followUpDate: '2026-05-06' },
      collector,
    );
    const correction = await logActivity(
      db,
      company.companyId,
      { customerId: customers.get('A1')!, kind: 'call', date: '2026-05-04', contact: 'Ms Alpha', outcome: 'left_message', followUpDate: '2026-05-06', correctsActivityId: call.activityId },
      collector,
    );
    const visit = await logActivity(
      db,
      company.companyId,
      {
        customerId: customers.get('A2')!,
        kind: 'visit',
        date: '2026-05-05',
        outcome: 'reached',
        salesRep: 'Carl',
        visitReport: 'new warehouse opened',
        nextStep: 'send statement',
        followUpDate: '2026-05-12',
      },
      other,
    );
    expect([visit.salesRep, visit.visitReport, visit.nextStep]).toEqual(['Carl', 'new warehouse opened', 'send statement']);
    await expect(
      logActivity(db, company.companyId, { customerId: customers.get('A1')!, kind: 'email', date: '2026-05-05', outcome: 'reached', visitReport: 'x' }, collector),
    ).rejects.toMatchObject({ field: 'visitReport' });
    await expect(
      logActivity(db, company.companyId, { customerId: customers.get('A1')!, kind: 'fax', date: '2026-05-05', outcome: 'reached' }, collector),
    ).rejects.toMatchObject({ field: 'kind' });

    // The corrected call stays: activities are never changed.
    const ofA1 = await listActivities(db, company.companyId, cliActor().scope, { customerId: customers.get('A1')! });
    expect(ofA1.map((activity) => [activity.activityId, activity.outcome, activity.correctsActivityId])).toEqual([
      [correction.activityId, 'left_message', call.activityId],
      [call.activityId, 'no_answer', null],
    ]);
    const mine = await listActivities(db, company.companyId, cliActor().scope, { actor: 'ANN@example.test' });
    expect(mine.map((activity) => activity.activityId).sort()).toEqual([call.activityId, correction.activityId].sort());
    const due = await listActivities(db, company.companyId, cliActor().scope, { followUpDate: '2026-05-12' });
    expect(due.map((activity) => activity.activityId)).toEqual([visit.activityId]);
    const north = await listActivities(db, company.companyId, { companyIds: null, regions: ['NORTH'] });
    expect(north.every((activity) => activity.customerNumber === 'A1')).toBe(true);
    expect(north).toHaveLength(2);
  });

  it('refuses a region outside the scope and a role without collection work, writing nothing', async () => {
    const count = async () => (await db.query<{ n: bigint }>('select count(*) as n from collection_activity')).rows[0]!.n;
    const before = await count();
    const north: Actor = { ...collector, scope: { companyIds: null, regions: ['NORTH'] } };
    await expect(
      logActivity(db, company.companyId, { customerId: customers.get('A2')!, kind: 'call', date: '2026-05-05', outcome: 'reached' }, north),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      logActivity(db, company.companyId, { customerId: customers.get('A1')!, kind: 'call', date: '2026-05-05', outcome: 'reached' }, { ...collector, role: 'auditor' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(await count()).toBe(before);
  });

  it('gives timeline rows for a customer', async () => {
    const customerId = customers.get('A2')!;
    const rows = await db.query<Record<string, unknown>>(`${activityTimelineSql('$1', '$2')} order by id`, [company.companyId, customerId]);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({ date: '2026-05-05', rank: 3, kind: 'activity', activity_kind: 'visit', outcome: 'reached', amount: null });
    expect(Object.keys(rows.rows[0]!)).toHaveLength(21);
  });
});
