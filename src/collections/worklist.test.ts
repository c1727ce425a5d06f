import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import { postReceipts } from '../cash/posting.js';
import { applyImport, getCompany } from '../ledger/index.js';
import type { Company, OpenItemInput } from '../ledger/types.js';
import { logActivity } from './activities.js';
import { openDispute } from './disputes.js';
import { addPromise, evaluatePromises } from './promises.js';
import { addRule, parseStrategyFile, saveStrategy } from './strategies.js';
import { rankWorklist, readWorklist, type WorklistEntry } from './worklist.js';

let db: TestDb;
let company: Company;
const actor = cliActor();
const customers = new Map<string, bigint>();
const items = new Map<string, bigint>();
const workDate = '2026-03-31';

function invoice(customer: string, document: string, dueDate: string, amount: bigint, extra: Partial<OpenItemInput> = {}): OpenItemInput {
  return {
    customerNumber: customer,
    kind: 'invoice',
    documentNumber: document,
    erpKey: document,
    documentDate: '2025-11-01',
    postingDate: '2025-11-01',
    dueDate,
    currency: 'USD',
    amount,
    ...extra,
  };
}

const standard = {
  code: 'STD',
  name: 'Standard',
  isDefault: true,
  steps: [
    { action: 'email_reminder', daysBeforeDue: 5 },
    { action: 'call', daysFrom: 1, daysTo: 30, minAmount: '1000.00' },
    { action: 'letter', daysFrom: 1, daysTo: 30 },
    { action: 'visit', daysFrom: 31, riskClass: 'high' },
    { action: 'legal', daysFrom: 31 },
  ],
};

const keyAccounts = { code: 'KEY', name: 'Key accounts', steps: [{ action: 'call', daysFrom: 1, daysTo: 30, weight: 12 }] };

beforeAll(async () => {
  db = await openTestDb();
  const customer = (number: string, collector: string, extra: Record<string, string> = {}) => ({
    customerNumber: number,
    name: `Customer ${number}`,
    collector,
    region: 'North',
    ...extra,
  });
  await applyImport(db, { kind: 'test', file: 'worklist.csv', sha256: 'worklist' }, [
    {
      company: { code: 'WLT', currency: 'USD' },
      customers: [
        customer('A', 'Ann'),
        customer('B', 'Ann'),
        customer('C', 'Ann'),
        customer('D', 'Ann'),
        customer('E', 'Bob'),
        customer('F', 'Bob'),
        customer('G', 'Bob'),
        customer('H', 'Bob'),
        customer('K', 'Bob', { creditSegment: 'KEY' }),
      ],
      items: [
        invoice('A', 'INV-A', '2026-03-01', 50_000_00n),
        invoice('B', 'INV-B', '2025-12-01', 200_000_00n),
        invoice('C', 'INV-C', '2026-03-21', 800_00n),
        invoice('D', 'INV-D', '2026-03-16', 3_000_00n),
        invoice('E', 'INV-E', '2026-04-03', 1_000_00n),
        invoice('G', 'INV-G', '2026-03-01', 700_00n),
        { ...invoice('G', 'PAY-G', '2026-03-05', -700_00n), kind: 'payment', postingDate: '2026-03-05', documentDate: '2026-03-05' },
        invoice('H', 'INV-H', '2026-03-01', 10_000_00n, { disputed: true }),
        invoice('K', 'INV-K', '2026-03-11', 18_000_00n, { currency: 'EUR', amountLocal: 20_000_00n, fxRate: '1.1111111111' }),
      ],
      allocations: [{ creditErpKey: 'PAY-G', debitErpKey: 'INV-G', allocationDate: '2026-03-05', amount: 700_00n }],
      rowCount: 9,
    },
  ]);
  company = await getCompany(db, 'WLT');
  const rows = await db.query<{ customer_number: string; customer_id: bigint; item_id: bigint; document_number: string }>(
    'select c.customer_number, c.customer_id, i.item_id, i.document_number from customer c join open_item i using (company_id, customer_id) where c.company_id = $1',
    [company.companyId],
  );
  for (const row of rows.rows) {
    customers.set(row.customer_number, row.customer_id);
    items.set(row.document_number, row.item_id);
  }
  const fCustomer = await db.query<{ customer_id: bigint }>("select customer_id from customer where company_id = $1 and customer_number = 'F'", [
    company.companyId,
  ]);
  customers.set('F', fCustomer.rows[0]!.customer_id);
  await db.query(`update customer set risk_class = 'high' where company_id = $1 and customer_number = 'A'`, [company.companyId]);
  await db.query(`update customer set risk_class = 'low' where company_id = $1 and customer_number = 'C'`, [company.companyId]);
  await db.query(`update customer set risk_class = 'medium' where company_id = $1 and customer_number = 'K'`, [company.companyId]);

  await saveStrategy(db, company, parseStrategyFile(standard, 2), actor);
  await saveStrategy(db, company, parseStrategyFile(keyAccounts, 2), actor);
  await addRule(db, company, { priority: 10, strategyCode: 'KEY', segment: 'KEY' }, actor);

  // A: a promise broken on 2026-02-08 (promised 02-05 plus 3 grace days).
  await addPromise(db, company.companyId, { customerId: customers.get('A')!, currency: 'USD', amount: 1_000_00n, promiseDate: '2026-02-01', promisedDate: '2026-02-05' }, actor);
  await evaluatePromises(db, company, '2026-02-10', actor);
  // B: 50,000.00 of the invoice in dispute.
  await openDispute(
    db,
    company.companyId,
    { customerId: customers.get('B')!, reason: 'price', department: 'sales', date: '2026-01-15', items: [{ itemId: items.get('INV-B')!, amount: 50_000_00n }] },
    actor,
  );
  // C: a letter sent before its step became due (2026-03-22) does not count.
  await logActivity(db, company.companyId, { customerId: customers.get('C')!, kind: 'letter', date: '2026-03-20', outcome: 'other' }, actor);
  // D: the call step became due on 2026-03-17 and was done on 2026-03-20.
  await logActivity(
    db,
    company.companyId,
    { customerId: customers.get('D')!, kind: 'call', date: '2026-03-20', outcome: 'reached', followUpDate: '2026-04-05' },
    actor,
  );
  // E: an open promise due on 2026-03-30.
  await addPromise(db, company.companyId, { customerId: customers.get('E')!, currency: 'USD', amount: 1_000_00n, promiseDate: '2026-03-25', promisedDate: '2026-03-30' }, actor);
  // F: nothing open, a follow-up due on 2026-03-28.
  await logActivity(
    db,
    company.companyId,
    { customerId: customers.get('F')!, kind: 'call', date: '2026-03-20', outcome: 'no_answer', followUpDate: '2026-03-28' },
    actor,
  );
});

afterAll(async () => {
  await db.close();
});

/**
 * Computes the score another way: in hundredths of a point with bigint
 * arithmetic, rounding half up. The amount cap is 100,000.00 USD.
 */
function handScore(input: { overdueCents: bigint; daysPastDue: number; risk: number; broken: number; step: number; tasks: number }) {
  const cap = 10_000_000n;
  const capped = input.overdueCents < cap ? input.overdueCents : cap;
  const amount = (4000n * capped * 2n + cap) / (2n * cap);
  const days = BigInt(Math.min(Math.max(input.daysPastDue, 0), 180));
  const dayPoints = (3000n * days * 2n + 180n) / 360n;
  const risk = BigInt(input.risk * 100);
  const broken = BigInt(Math.min(input.broken, 3) * 500);
  const step = BigInt(input.step * 100);
  const tasks = BigInt(input.tasks * 500);
  const text = (hundredths: bigint) => `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')}`;
  return {
    parts: { amount: text(amount), days: text(dayPoints), risk: text(risk), brokenPromises: text(broken), step: text(step), tasks: text(tasks) },
    score: text(amount + dayPoints + risk + broken + step + tasks),
  };
}

async function page(collectors: string[] | null = null, date = workDate): Promise<WorklistEntry[]> {
  return (await readWorklist(db, company, actor.scope, { date, collectors, limit: 100, offset: 0 }, actor)).entries;
}

describe('worklist ranking', () => {
  it('ranks customers by score with its parts', async () => {
    const ranked = await rankWorklist(db, company, workDate, actor);
    expect(ranked.entries).toBe(6);
    const entries = await page();
    // B: 150,000.00 overdue after the dispute (capped: 40), 120 days (20), legal (25) = 85.00.
    // A: 50,000.00 (20), 30 days (5), high (10), one broken promise (5), call (10) = 50.00.
    // K: 20,000.00 local (8), 20 days (3.33), medium (5), KEY call (12) = 28.33.
    // C: 800.00 (0.32), 10 days (1.67), low (0), letter (10) = 11.99.
    // E: due in 3 days, reminder (5), promise due (task 5) = 10.00.
    // F: follow-up due (task 5) = 5.00.
    expect(entries.map((entry) => entry.customerNumber)).toEqual(['B', 'A', 'K', 'C', 'E', 'F']);
    const expected: Record<string, Parameters<typeof handScore>[0]> = {
      B: { overdueCents: 150_000_00n, daysPastDue: 120, risk: 0, broken: 0, step: 25, tasks: 0 },
      A: { overdueCents: 50_000_00n, daysPastDue: 30, risk: 10, broken: 1, step: 10, tasks: 0 },
      K: { overdueCents: 20_000_00n, daysPastDue: 20, risk: 5, broken: 0, step: 12, tasks: 0 },
      C: { overdueCents: 800_00n, daysPastDue: 10, risk: 0, broken: 0, step: 10, tasks: 0 },
      E: { overdueCents: 0n, daysPastDue: -3, risk: 0, broken: 0, step: 5, tasks: 1 },
      F: { overdueCents: 0n, daysPastDue: 0, risk: 0, broken: 0, step: 0, tasks: 1 },
    };
    for (const entry of entries) {
      const hand = handScore(expected[entry.customerNumber]!);
      expect(entry.parts, entry.customerNumber).toEqual(hand.parts);
      expect(entry.score, entry.customerNumber).toBe(hand.score);
    }
    expect(entries.map((entry) => entry.score)).toEqual(['85.00', '50.00', '28.33', '11.99', '10.00', '5.00']);
  });

  it('records the step, disputes and tasks of each entry', async () => {
    const byNumber = new Map((await page()).map((entry) => [entry.customerNumber, entry]));
    const b = byNumber.get('B')!;
    expect(b.action).toBe('legal');
    expect(b.strategyCode).toBe('STD');
    expect(b.stepPosition).toBe(5);
    expect(b.overdueLocal).toBe(150_000_00n);
    expect(b.disputedLocal).toBe(50_000_00n);
    expect(b.stepDueDate).toBe('2026-01-01');
    expect(byNumber.get('K')!.strategyCode).toBe('KEY');
    expect(byNumber.get('K')!.overdueLocal).toBe(20_000_00n);
    expect(byNumber.get('A')!.brokenPromises).toBe(1);
    expect(byNumber.get('E')!.action).toBe('email_reminder');
    expect(byNumber.get('E')!.daysPastDue).toBe(-3);
    expect(byNumber.get('E')!.promiseDueDate).toBe('2026-03-30');
    expect(byNumber.get('F')!.action).toBeNull();
    expect(byNumber.get('F')!.followUpDate).toBe('2026-03-28');
    // D's call was done after the step became due; G is paid; H is disputed whole.
    expect(byNumber.has('D')).toBe(false);
    expect(byNumber.has('G')).toBe(false);
    expect(byNumber.has('H')).toBe(false);
  });

  it('filters by collector and counts per collector', async () => {
    const result = await readWorklist(db, company, actor.scope, { date: workDate, collectors: ['bob'], limit: 2, offset: 0 }, actor);
    expect(result.entries.map((entry) => entry.customerNumber)).toEqual(['K', 'E']);
    expect(result.total).toBe(3);
    expect(result.collectors).toEqual([
      { collector: 'Ann', entries: 3 },
      { collector: 'Bob', entries: 3 },
    ]);
    const second = await readWorklist(db, company, actor.scope, { date: workDate, collectors: ['Bob'], limit: 2, offset: 2 }, actor);
    expect(second.entries.map((entry) => entry.customerNumber)).toEqual(['F']);
  });

  it('drops a customer once the step is done', async () => {
    await logActivity(db, company.companyId, { customerId: customers.get('A')!, kind: 'call', date: workDate, outcome: 'reached' }, actor);
    expect((await page()).map((entry) => entry.customerNumber)).toEqual(['B', 'K', 'C', 'E', 'F']);
    // An email does not do the call step of C's neighbour K.
    await logActivity(db, company.companyId, { customerId: customers.get('K')!, kind: 'email', date: workDate, outcome: 'other' }, actor);
    expect((await page()).map((entry) => entry.customerNumber)).toContain('K');
  });

  it('re-ranks the customers a payment touches', async () => {
    await db.transaction(async (tx) => {
      await postReceipts(tx, company, [
        {
          customerId: customers.get('B')!,
          erpKey: 'BANK:B1',
          documentNumber: 'PAY-B1',
          date: workDate,
          currency: 'USD',
          amount: 150_000_00n,
          allocations: [{ itemId: items.get('INV-B')!, amount: 150_000_00n }],
        },
      ]);
    });
    const marks = await db.query('select customer_id from worklist_stale where company_id = $1', [company.companyId]);
    expect(marks.rows).toEqual([{ customer_id: customers.get('B')! }]);
    // What is left of B's invoice is in dispute, so B needs no action.
    expect((await page()).map((entry) => entry.customerNumber)).toEqual(['K', 'C', 'E', 'F']);
    const after = await db.query('select customer_id from worklist_stale where company_id = $1', [company.companyId]);
    expect(after.rows).toEqual([]);
  });

  it('re-ranks a customer after a dispute is opened', async () => {
    expect((await page()).map((entry) => entry.customerNumber)).toContain('K');
    await openDispute(
      db,
      company.companyId,
      { customerId: customers.get('K')!, reason: 'quality', department: 'logistics', date: workDate, items: [{ itemId: items.get('INV-K')!, amount: 18_000_00n }] },
      actor,
    );
    // Nothing of K's is overdue and undisputed any more.
    expect((await page()).map((entry) => entry.customerNumber)).toEqual(['C', 'E', 'F']);
  });

  it('applies an edited strategy on the next ranking', async () => {
    const tomorrow = '2026-04-01';
    const before = await page(['Ann'], tomorrow);
    // C: 11 days past due, letter step of weight 10.
    expect(before.find((entry) => entry.customerNumber === 'C')!.action).toBe('letter');
    const edited = { ...standard, steps: standard.steps.map((step) => (step.action === 'letter' ? { ...step, action: 'visit', weight: 30 } : step)) };
    const saved = await saveStrategy(db, company, parseStrategyFile(edited, 2), actor);
    expect(saved.version).toBe(2);
    await rankWorklist(db, company, tomorrow, actor);
    const after = (await page(['Ann'], tomorrow)).find((entry) => entry.customerNumber === 'C')!;
    expect(after.action).toBe('visit');
    expect(after.strategyVersion).toBe(2);
    expect(after.parts.step).toBe('30.00');
  });
});
