import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../test/helpers/db.js';
import { cliActor } from '../auth/actor.js';
import { addBankAccount } from '../cash/accounts.js';
import { applyImport, balanceAsOf, getCompany, type Company } from '../ledger/index.js';
import { addDays } from '../shared/dates.js';
import { InputError } from '../shared/errors.js';
import { addCheck, cancelCheck, clearCheck, depositCheck, returnCheck, safeCheck, setCheckSettings } from './index.js';

let db: TestDb;
let company: Company;
let accountId: number;
let run = 0;
const actor = cliActor();
const charge = 7_00n;

type Op = 'safe' | 'deposit' | 'clear' | 'return' | 'cancel';

/** The life cycle as the register describes it, written out here on its own. */
const allowed: Record<string, Record<Op, string | null>> = {
  received: { safe: 'in_safe', deposit: 'deposited', clear: null, return: null, cancel: 'cancelled' },
  in_safe: { safe: null, deposit: 'deposited', clear: null, return: null, cancel: 'cancelled' },
  deposited: { safe: null, deposit: null, clear: 'cleared', return: 'returned', cancel: null },
  cleared: { safe: null, deposit: null, clear: null, return: 'returned', cancel: null },
  returned: { safe: null, deposit: null, clear: null, return: null, cancel: null },
  cancelled: { safe: null, deposit: null, clear: null, return: null, cancel: null },
};

beforeAll(async () => {
  db = await openTestDb();
  await applyImport(db, { kind: 'test', file: 'property-0.csv', sha256: 'property-0' }, [
    { company: { code: 'PRP', currency: 'EUR' }, customers: [], items: [], allocations: [], rowCount: 0 },
  ]);
  company = await getCompany(db, 'PRP');
  accountId = (await addBankAccount(db, company, { bank: 'House Bank', accountNumber: 'PRP-1', currency: 'EUR' }, actor)).bankAccountId;
  await setCheckSettings(db, company, { returnCharge: charge }, actor);
});
afterAll(async () => {
  await db.close();
});

const scenarioArb = fc.record({
  invoices: fc.array(fc.bigInt({ min: 1n, max: 1_000_00n }), { minLength: 1, maxLength: 2 }),
  checks: fc.array(fc.bigInt({ min: 1n, max: 800_00n }), { minLength: 1, maxLength: 3 }),
  steps: fc.array(
    fc.record({ check: fc.nat({ max: 2 }), op: fc.constantFrom<Op>('safe', 'deposit', 'clear', 'return', 'cancel') }),
    { minLength: 1, maxLength: 12 },
  ),
});

describe('check register and ledger', () => {
  it('balance follows cleared and returned checks', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        run += 1;
        const customer = `P${run}`;
        await applyImport(db, { kind: 'test', file: `property-${run}.csv`, sha256: `property-${run}` }, [
          {
            company: { code: 'PRP', currency: 'EUR' },
            customers: [{ customerNumber: customer, name: customer }],
            items: scenario.invoices.map((amount, index) => ({
              customerNumber: customer,
              kind: 'invoice' as const,
              documentNumber: `${customer}-${index}`,
              erpKey: `${customer}-${index}`,
              documentDate: '2025-12-01',
              postingDate: '2025-12-01',
              dueDate: '2025-12-31',
              currency: 'EUR',
              amount,
            })),
            allocations: [],
            rowCount: scenario.invoices.length,
          },
        ]);
        const stored = await db.query<{ item_id: bigint; customer_id: bigint }>(
          `select i.item_id, i.customer_id from open_item i join customer c using (company_id, customer_id)
           where c.customer_number = $1 order by i.item_id`,
          [customer],
        );
        const customerId = stored.rows[0]!.customer_id;
        const checkIds: bigint[] = [];
        const states: string[] = [];
        for (const [index, amount] of scenario.checks.entries()) {
          // Half to the first invoice, the rest to the second when there is one.
          const half = amount / 2n;
          const lines = [{ itemId: stored.rows[0]!.item_id, amount: stored.rows.length > 1 ? half : amount }];
          if (stored.rows.length > 1 && amount - half > 0n) lines.push({ itemId: stored.rows[1]!.item_id, amount: amount - half });
          const check = await addCheck(
            db,
            company,
            {
              customerId,
              drawer: customer,
              drawerBank: 'Property Bank',
              checkNumber: `${customer}-${index}`,
              currency: 'EUR',
              amount,
              issueDate: '2025-12-31',
              maturityDate: '2025-12-31',
              receivedDate: '2025-12-31',
              lines: lines.filter((line) => line.amount > 0n),
            },
            actor,
          );
          checkIds.push(check.checkId);
          states.push('received');
        }
        let day = '2026-01-05';
        for (const step of scenario.steps) {
          const index = step.check % checkIds.length;
          const id = checkIds[index]!;
          day = addDays(day, 1);
          const input = { date: day };
          const attempt = {
            safe: () => safeCheck(db, id, input, actor),
            deposit: () => depositCheck(db, id, { ...input, bankAccountId: accountId }, actor),
            clear: () => clearCheck(db, id, input, actor),
            return: () => returnCheck(db, id, { ...input, reason: 'other' as const }, actor),
            cancel: () => cancelCheck(db, id, input, actor),
          }[step.op];
          const next = allowed[states[index]!]![step.op];
          if (next === null) {
            await expect(attempt()).rejects.toThrow(InputError);
          } else {
            await attempt();
            states[index] = next;
          }
        }
        const invoiced = scenario.invoices.reduce((sum, amount) => sum + amount, 0n);
        const returns = BigInt(states.filter((state) => state === 'returned').length);
        const paid = scenario.checks.reduce((sum, amount, index) => (states[index] === 'cleared' ? sum + amount : sum), 0n);
        expect(await balanceAsOf(db, company.companyId, '2027-01-01', { customerId })).toBe(invoiced + returns * charge - paid);
        const status = await db.query<{ status: string }>(
          'select status from customer_check where check_id = any($1::bigint[]) order by check_id',
          [checkIds.map(String)],
        );
        expect(status.rows.map((row) => row.status)).toEqual(states);
      }),
      { numRuns: 25 },
    );
  });
});
