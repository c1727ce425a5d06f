import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { agingReport, defaultBucketLimits } from '../aging/index.js';
import { cliActor } from '../auth/actor.js';
import { addBankAccount } from '../cash/accounts.js';
import { addHoliday, applyImport, balanceAsOf, getCompany, itemOpenAmount, type Company } from '../ledger/index.js';
import {
  addCheck,
  addDepositSlip,
  cancelCheck,
  checkExposure,
  checksToDeposit,
  clearCheck,
  depositCheck,
  getCheck,
  listChecks,
  listProposals,
  maturitySchedule,
  replaceCheck,
  returnCheck,
  returnedChecks,
  safeCheck,
  setCheckSettings,
  type CheckInput,
} from './index.js';

let db: TestDb;
let company: Company;
let accountId: number;
const actor = cliActor();
const customers = new Map<string, bigint>();
const items = new Map<string, bigint>();
let fileCounter = 0;

/** Adds customers with invoices of 2026-01-05, due 2026-02-04. */
async function seed(list: { customer: string; region: string; invoices: [string, bigint][] }[]): Promise<void> {
  fileCounter += 1;
  await applyImport(db, { kind: 'test', file: `checks-${fileCounter}.csv`, sha256: `checks-${fileCounter}` }, [
    {
      company: { code: 'CHK', currency: 'EUR' },
      customers: list.map((entry) => ({ customerNumber: entry.customer, name: `Customer ${entry.customer}`, region: entry.region })),
      items: list.flatMap((entry) =>
        entry.invoices.map(([key, amount]) => ({
          customerNumber: entry.customer,
          kind: 'invoice' as const,
          documentNumber: key,
          erpKey: key,
          documentDate: '2026-01-05',
          postingDate: '2026-01-05',
          dueDate: '2026-02-04',
          currency: 'EUR',
          amount,
        })),
      ),
      allocations: [],
      rowCount: 1,
    },
  ]);
  const rows = await db.query<{ item_id: bigint; erp_key: string; customer_id: bigint; customer_number: string }>(
    'select i.item_id, i.erp_key, c.customer_id, c.customer_number from open_item i join customer c using (company_id, customer_id)',
  );
  for (const row of rows.rows) {
    items.set(row.erp_key, row.item_id);
    customers.set(row.customer_number, row.customer_id);
  }
}

function checkInput(customer: string, number: string, amount: bigint, maturityDate: string, extra: Partial<CheckInput> = {}): CheckInput {
  return {
    customerId: customers.get(customer)!,
    drawer: `Drawer of ${customer}`,
    drawerBank: 'First Bank',
    checkNumber: number,
    currency: 'EUR',
    amount,
    issueDate: '2026-01-15',
    maturityDate,
    receivedDate: '2026-01-20',
    ...extra,
  };
}

/** Returns the aging total of customer C1 as of a day, from the aging report. */
async function agingTotal(asOf: string): Promise<bigint> {
  const report = await agingReport(db, {
    companies: ['CHK'],
    asOf,
    basis: 'due',
    groupBy: 'customer',
    bucketLimits: defaultBucketLimits,
    currency: 'local',
  });
  return report.rows.find((row) => row.key === 'C1')?.total ?? 0n;
}

async function counts(): Promise<Record<string, bigint>> {
  const tables = ['customer_check', 'customer_check_line', 'check_event', 'deposit_slip', 'open_item', 'allocation', 'audit_event', 'customer_flag'];
  const result: Record<string, bigint> = {};
  for (const table of tables) {
    result[table] = (await db.query<{ count: bigint }>(`select count(*)::bigint as count from ${table}`)).rows[0]!.count;
  }
  return result;
}

beforeAll(async () => {
  db = await openTestDb();
  await seed([
    { customer: 'C1', region: 'EAST', invoices: [['INV-1', 100_00n], ['INV-2', 250_50n]] },
    { customer: 'C2', region: 'EAST', invoices: [['INV-3', 500_00n]] },
    { customer: 'C3', region: 'WEST', invoices: [['INV-4', 90_00n]] },
    { customer: 'C4', region: 'WEST', invoices: [['INV-5', 10_00n]] },
  ]);
  company = await getCompany(db, 'CHK');
  accountId = (await addBankAccount(db, company, { bank: 'House Bank', accountNumber: 'DE00 1111', currency: 'EUR' }, actor)).bankAccountId;
  await setCheckSettings(db, company, { returnCharge: 25_00n }, actor);
});
afterAll(async () => {
  await db.close();
});

describe('check life cycle', () => {
  it('clearing pays, return reopens from its date', async () => {
    const c1 = customers.get('C1')!;
    // Independent expectation: the invoices total 350.50 and nothing is paid yet.
    expect(await agingTotal('2026-03-01')).toBe(350_50n);
    const check = await addCheck(
      db,
      company,
      checkInput('C1', '1001', 300_00n, '2026-03-02', {
        lines: [
          { itemId: items.get('INV-1')!, amount: 100_00n },
          { itemId: items.get('INV-2')!, amount: 200_00n },
        ],
      }),
      actor,
    );
    expect(check.status).toBe('received');
    expect(check.postDated).toBe(true);
    await safeCheck(db, check.checkId, { date: '2026-01-21', note: 'in the safe' }, actor);
    await expect(depositCheck(db, check.checkId, { bankAccountId: accountId, date: '2026-02-27' }, actor)).rejects.toThrow(
      /matures on 2026-03-02/,
    );
    await depositCheck(db, check.checkId, { bankAccountId: accountId, date: '2026-03-02' }, actor);
    // Deposited is not paid.
    expect(await agingTotal('2026-03-03')).toBe(350_50n);
    const cleared = await clearCheck(db, check.checkId, { date: '2026-03-04' }, actor);
    expect(cleared.status).toBe('cleared');
    // 350.50 less the 300.00 applied: INV-1 closed, 50.50 left on INV-2.
    expect(await agingTotal('2026-03-04')).toBe(50_50n);
    expect(await agingTotal('2026-03-03')).toBe(350_50n);
    expect(await itemOpenAmount(db, company.companyId, items.get('INV-1')!, '2026-03-04')).toBe(0n);
    const beforeReturn = await agingTotal('2026-03-09');
    expect(beforeReturn).toBe(50_50n);

    const { check: returned, proposals } = await returnCheck(
      db,
      check.checkId,
      { date: '2026-03-10', reason: 'insufficient_funds', text: 'no cover' },
      actor,
    );
    expect(returned.status).toBe('returned');
    expect(returned.returnReason).toBe('insufficient_funds');
    expect(proposals).toEqual([]);
    // The day before the return reads as it did before the return was recorded.
    expect(await agingTotal('2026-03-09')).toBe(beforeReturn);
    // From the return on, both invoices are open again and the 25.00 charge is due.
    expect(await agingTotal('2026-03-10')).toBe(350_50n + 25_00n);
    expect(await balanceAsOf(db, company.companyId, '2026-03-10', { customerId: c1 })).toBe(375_50n);
    expect(await itemOpenAmount(db, company.companyId, items.get('INV-1')!, '2026-03-10')).toBe(100_00n);
    const charge = await db.query<{ kind: string; amount: bigint; posting_date: string }>(
      'select kind, amount, posting_date from open_item where item_id = $1',
      [returned.chargeItemId!],
    );
    expect(charge.rows[0]).toEqual({ kind: 'debit_note', amount: 25_00n, posting_date: '2026-03-10' });
    const flags = await db.query<{ kind: string }>('select kind from customer_flag where customer_id = $1', [c1]);
    expect(flags.rows.map((row) => row.kind)).toEqual(['returned_check']);

    const { events } = await getCheck(db, check.checkId, actor.scope);
    expect(events.map((event) => [event.eventDate, event.toStatus])).toEqual([
      ['2026-01-20', 'received'],
      ['2026-01-21', 'in_safe'],
      ['2026-03-02', 'deposited'],
      ['2026-03-04', 'cleared'],
      ['2026-03-10', 'returned'],
    ]);
    const audit = await db.query<{ action: string }>(
      `select action from audit_event where entity = 'check' and entity_id = $1 order by event_id`,
      [check.checkId.toString()],
    );
    expect(audit.rows.map((row) => row.action)).toEqual(['check.add', 'check.in_safe', 'check.deposited', 'check.cleared', 'check.returned']);

    // The customer brings a new check for the returned one.
    const { old, replacement } = await replaceCheck(
      db,
      check.checkId,
      {
        date: '2026-03-12',
        replacement: { drawer: 'Drawer of C1', drawerBank: 'First Bank', checkNumber: '1002', currency: 'EUR', amount: 300_00n, issueDate: '2026-03-12', maturityDate: '2026-03-12' },
      },
      actor,
    );
    expect(old.status).toBe('replaced');
    expect(old.replacedByCheckId).toBe(replacement.checkId);
    expect(replacement.replacesCheckId).toBe(check.checkId);
    expect(replacement.lines.map((line) => line.amount)).toEqual([100_00n, 200_00n]);
  });

  it('clearing leaves the rest unapplied', async () => {
    await seed([{ customer: 'C5', region: 'EAST', invoices: [['INV-6', 40_00n]] }]);
    const c5 = customers.get('C5')!;
    const check = await addCheck(
      db,
      company,
      checkInput('C5', '5001', 60_00n, '2026-01-20', { lines: [{ itemId: items.get('INV-6')!, amount: 60_00n }] }),
      actor,
    );
    await depositCheck(db, check.checkId, { bankAccountId: accountId, date: '2026-01-21' }, actor);
    await clearCheck(db, check.checkId, { date: '2026-01-22' }, actor);
    expect(await itemOpenAmount(db, company.companyId, items.get('INV-6')!, '2026-01-22')).toBe(0n);
    expect(await balanceAsOf(db, company.companyId, '2026-01-22', { customerId: c5 })).toBe(-20_00n);
  });
});

describe('post-dated checks', () => {
  it('count as cover, not payment', async () => {
    const c2 = customers.get('C2')!;
    const before = await balanceAsOf(db, company.companyId, '2026-06-30', { customerId: c2 });
    expect(before).toBe(500_00n);
    const check = await addCheck(db, company, checkInput('C2', '2001', 200_00n, '2026-06-30'), actor);
    expect(await balanceAsOf(db, company.companyId, '2026-06-30', { customerId: c2 })).toBe(500_00n);
    const exposure = await checkExposure(db, company, actor.scope, '2026-02-01', c2);
    expect(exposure).toEqual([
      { customerId: c2, customerNumber: 'C2', customerName: 'Customer C2', openBalance: 500_00n, checkCover: 200_00n, netExposure: 300_00n },
    ]);
    // Received after the day asked: not yet cover.
    expect((await checkExposure(db, company, actor.scope, '2026-01-10', c2))[0]!.checkCover).toBe(0n);
    await cancelCheck(db, check.checkId, { date: '2026-02-02', note: 'given back' }, actor);
    expect((await checkExposure(db, company, actor.scope, '2026-02-03', c2))[0]!.checkCover).toBe(0n);
  });
});

describe('maturities', () => {
  it('weekend and holiday maturities move', async () => {
    await addHoliday(db, company.companyId, '2026-04-06', 'Easter Monday');
    // Saturday 4 April: Sunday, then the Monday holiday, so Tuesday 7 April.
    const easter = await addCheck(db, company, checkInput('C2', '2002', 10_00n, '2026-04-04'), actor);
    expect(easter.businessMaturityDate).toBe('2026-04-07');
    // Saturday 2 May moves to Monday 4 May.
    const may = await addCheck(db, company, checkInput('C2', '2003', 20_00n, '2026-05-02'), actor);
    expect(may.businessMaturityDate).toBe('2026-05-04');

    const onHoliday = await checksToDeposit(db, company.companyId, actor.scope, '2026-04-06');
    expect(onHoliday.map((check) => check.checkNumber)).not.toContain('2002');
    const tuesday = await checksToDeposit(db, company.companyId, actor.scope, '2026-04-07');
    expect(tuesday.map((check) => check.checkNumber)).toContain('2002');
    expect(tuesday.map((check) => check.checkNumber)).not.toContain('2003');
    expect((await checksToDeposit(db, company.companyId, actor.scope, '2026-05-04')).map((check) => check.checkNumber)).toEqual(
      expect.arrayContaining(['2002', '2003']),
    );

    await expect(depositCheck(db, easter.checkId, { bankAccountId: accountId, date: '2026-04-06' }, actor)).rejects.toThrow(
      /moved to the business day 2026-04-07/,
    );
    await depositCheck(db, easter.checkId, { bankAccountId: accountId, date: '2026-04-07' }, actor);

    const schedule = await maturitySchedule(db, company.companyId, actor.scope, { grouping: 'month', from: '2026-04-01', to: '2026-05-31' });
    // Both still uncleared: April holds 10.00, May 20.00.
    expect(schedule.rows.map((row) => [row.period, row.count, row.amount])).toEqual([
      ['2026-04', 1, 10_00n],
      ['2026-05', 1, 20_00n],
    ]);
    expect(schedule.totals).toEqual([{ currency: 'EUR', exponent: 2, count: 2, amount: 30_00n }]);
    const weeks = await maturitySchedule(db, company.companyId, actor.scope, { grouping: 'week', from: '2026-04-01', to: '2026-05-31' });
    expect(weeks.rows.map((row) => row.period)).toEqual(['2026-04-06', '2026-05-04']);

    // Listing by maturity uses the business day: 2003 matures on Saturday 2 May but counts from 4 May.
    const listedMay = await listChecks(db, company.companyId, actor.scope, { maturityFrom: '2026-05-03', maturityTo: '2026-05-31' });
    expect(listedMay.map((check) => check.checkNumber)).toEqual(['2003']);
    const listedApril = await listChecks(db, company.companyId, actor.scope, { maturityFrom: '2026-04-07', maturityTo: '2026-05-02' });
    expect(listedApril.map((check) => check.checkNumber)).toEqual(['2002']);
  });
});

describe('returned checks', () => {
  it('second return in period proposes', async () => {
    const c3 = customers.get('C3')!;
    const first = await addCheck(db, company, checkInput('C3', '3001', 30_00n, '2026-02-02'), actor);
    const second = await addCheck(db, company, checkInput('C3', '3002', 40_00n, '2026-02-02'), actor);
    await addDepositSlip(db, company, { bankAccountId: accountId, date: '2026-02-02', checkIds: [first.checkId, second.checkId], total: 70_00n }, actor);
    const one = await returnCheck(db, first.checkId, { date: '2026-02-05', reason: 'signature' }, actor);
    expect(one.proposals).toEqual([]);
    expect(await listProposals(db, company.companyId, actor.scope)).toEqual([]);
    const two = await returnCheck(db, second.checkId, { date: '2026-02-06', reason: 'stopped' }, actor);
    expect(two.proposals.map((proposal) => proposal.kind)).toEqual(['credit_block', 'legal_handover']);
    const stored = await listProposals(db, company.companyId, actor.scope);
    expect(stored).toHaveLength(2);
    for (const proposal of stored) {
      expect(proposal.customerId).toBe(c3);
      expect(proposal.status).toBe('proposed');
      expect(proposal.checkIds).toEqual([first.checkId, second.checkId]);
    }
    const report = await returnedChecks(db, company.companyId, actor.scope, { from: '2026-02-01', to: '2026-02-28' });
    expect(report.rows.map((row) => [row.customerNumber, row.reason, row.count, row.amount])).toEqual([
      ['C3', 'signature', 1, 30_00n],
      ['C3', 'stopped', 1, 40_00n],
    ]);
    expect(report.totals).toEqual([{ currency: 'EUR', exponent: 2, count: 2, amount: 70_00n }]);
  });

  it('returns outside the period do not count', async () => {
    await setCheckSettings(db, company, { returnPeriodDays: 30 }, actor);
    const old = await addCheck(db, company, checkInput('C4', '4001', 5_00n, '2026-01-20'), actor);
    const recent = await addCheck(db, company, checkInput('C4', '4002', 5_00n, '2026-01-20'), actor);
    await depositCheck(db, old.checkId, { bankAccountId: accountId, date: '2026-01-21' }, actor);
    await depositCheck(db, recent.checkId, { bankAccountId: accountId, date: '2026-01-21' }, actor);
    expect((await returnCheck(db, old.checkId, { date: '2026-01-22', reason: 'other' }, actor)).proposals).toEqual([]);
    // 31 days later the first return has left the 30-day period.
    expect((await returnCheck(db, recent.checkId, { date: '2026-02-22', reason: 'other' }, actor)).proposals).toEqual([]);
    await setCheckSettings(db, company, { returnPeriodDays: 365 }, actor);
  });
});

describe('rules', () => {
  it('illegal transitions are rejected', async () => {
    const check = await addCheck(db, company, checkInput('C2', '2101', 10_00n, '2026-01-20'), actor);
    await expect(clearCheck(db, check.checkId, { date: '2026-01-25' }, actor)).rejects.toThrow(
      new RegExp(`check ${check.checkId} .*is received and cannot become cleared`),
    );
    await expect(returnCheck(db, check.checkId, { date: '2026-01-25', reason: 'other' }, actor)).rejects.toThrow(/received and cannot become returned/);
    await cancelCheck(db, check.checkId, { date: '2026-01-25' }, actor);
    await expect(safeCheck(db, check.checkId, { date: '2026-01-26' }, actor)).rejects.toThrow(/cancelled and cannot become in_safe/);
    await expect(
      depositCheck(db, check.checkId, { bankAccountId: accountId, date: '2026-01-26' }, actor),
    ).rejects.toThrow(/cancelled and cannot become deposited/);
  });

  it('date before last change is rejected', async () => {
    const check = await addCheck(db, company, checkInput('C2', '2102', 10_00n, '2026-01-20'), actor);
    await expect(safeCheck(db, check.checkId, { date: '2026-01-19' }, actor)).rejects.toThrow(/before its last change/);
  });

  it('failed writes leave no row', async () => {
    const before = await counts();
    // The same number at the same bank, written in another case.
    await expect(addCheck(db, company, checkInput('C2', '2101', 10_00n, '2026-01-20', { drawerBank: ' first bank ' }), actor)).rejects.toThrow(
      /already registered/,
    );
    // The second check is not mature: the slip and the first deposit roll back.
    const mature = await addCheck(db, company, checkInput('C2', '2103', 10_00n, '2026-01-20'), actor);
    const later = await addCheck(db, company, checkInput('C2', '2104', 10_00n, '2026-12-01'), actor);
    const afterAdds = await counts();
    await expect(
      addDepositSlip(db, company, { bankAccountId: accountId, date: '2026-02-02', checkIds: [mature.checkId, later.checkId] }, actor),
    ).rejects.toThrow(/matures on 2026-12-01/);
    await expect(
      addDepositSlip(db, company, { bankAccountId: accountId, date: '2026-02-02', checkIds: [mature.checkId], total: 11_00n }, actor),
    ).rejects.toThrow(/differs from the sum of its lines 1000/);
    expect(await counts()).toEqual(afterAdds);
    expect(afterAdds.customer_check).toBe(before.customer_check! + 2n);
    expect((await getCheck(db, mature.checkId, actor.scope)).check.status).toBe('received');
  });

  it('regional user stays in regions', async () => {
    const west = { ...actor, role: 'regional_accountant' as const, scope: { companyIds: null, regions: ['WEST'] } };
    const east = await addCheck(db, company, checkInput('C2', '2105', 10_00n, '2026-01-20'), actor);
    const before = await counts();
    await expect(safeCheck(db, east.checkId, { date: '2026-01-21' }, west)).rejects.toThrow(/outside your scope/);
    await expect(addCheck(db, company, checkInput('C2', '2106', 10_00n, '2026-01-20'), west)).rejects.toThrow(/outside your scope/);
    expect(await counts()).toEqual(before);
    const { listChecks } = await import('./reports.js');
    const listed = await listChecks(db, company.companyId, west.scope);
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed.map((check) => check.region))).toEqual(new Set(['WEST']));
  });
});
