import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCliHarness } from '../../test/helpers/cli.js';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { cliActor } from '../auth/actor.js';
import { addUser } from '../auth/users.js';
import { setContact } from '../collections/contacts.js';
import { applyImport, getCompany, type OpenItemInput } from '../ledger/index.js';

function invoice(customerNumber: string, documentNumber: string, dueDate: string, amount: bigint): OpenItemInput {
  return { customerNumber, kind: 'invoice', documentNumber, erpKey: documentNumber, documentDate: '2026-01-01', postingDate: '2026-01-01', dueDate, currency: 'KWD', amount };
}

const password = 'correct horse battery staple';
const levelsFile = join(import.meta.dirname, '..', '..', 'examples', 'dunning', 'levels.json');

const harness = useCliHarness('dunning-cli', async (database) => {
  await applyImport(database, { kind: 'test', file: 'dunning-cli', sha256: 'dunning-cli' }, [
    {
      company: { code: 'DN1', name: 'Gulf Cables', currency: 'KWD' },
      customers: [
        { customerNumber: 'K1', name: 'Burgan Contracting' },
        { customerNumber: 'K2', name: 'Jahra Builders' },
      ],
      items: [invoice('K1', 'INV-1', '2026-02-01', 1_250_125n), invoice('K2', 'INV-2', '2026-02-20', 40_000n), invoice('K2', 'INV-3', '2026-04-30', 9_000n)],
      allocations: [],
      rowCount: 3,
    },
  ]);
  const company = await getCompany(database, 'DN1');
  const customer = await database.query<{ customer_id: bigint }>(`select customer_id from customer where customer_number = 'K1'`);
  await setContact(database, company.companyId, { customerId: customer.rows[0]!.customer_id, email: 'ap@burgan.example' }, cliActor());
  for (const [email, role] of [
    ['collector@ardesk.example', 'collector'],
    ['manager@ardesk.example', 'credit_manager'],
    ['finance@ardesk.example', 'finance'],
  ] as const) {
    await addUser(database, { email, role, password }, cliActor());
  }
});
const { ardesk } = harness;
let smtp: LocalSmtp;

beforeAll(async () => {
  smtp = await startLocalSmtp();
});
afterAll(async () => {
  await smtp.close();
});

describe('ardesk dunning', () => {
  it('sets levels from the example file and shows them', async () => {
    const set = await ardesk('dunning', 'levels', '--set', '--file', levelsFile, '--as', 'manager@ardesk.example', '--format', 'json');
    expect(set.code, set.stderr).toBe(0);
    const json = JSON.parse(set.stdout) as { levels: { level: number; fees: Record<string, string>; interestRate: string | null }[] };
    expect(json.levels.map((level) => level.fees.KWD)).toEqual(['2.500', '5.000', '10.000']);
    expect(json.levels[1]!.interestRate).toBe('0.08');
    const denied = await ardesk('dunning', 'levels', '--set', '--file', levelsFile, '--as', 'collector@ardesk.example');
    expect(denied.code).toBe(1);
  });

  it('names a bad levels file', async () => {
    const result = await ardesk('dunning', 'levels', '--set', '--file', join(harness.folder(), 'missing.json'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing\.json: not a readable JSON file/);
  });

  it('prints the proposal as JSON and as a table without storing it', async () => {
    const json = await ardesk('dunning', 'propose', '--as-of', '2026-03-15', '--format', 'json');
    expect(json.code, json.stderr).toBe(0);
    const proposal = JSON.parse(json.stdout) as {
      letters: { customerNumber: string; level: number; fee: string; items: { documentNumber: string; daysPastDue: number; openAmount: string }[] }[];
      totals: { currency: string; total: string }[];
    };
    // K1: INV-1 42 days past due, first letter: level 1, fee 2.500.
    // K2: INV-2 23 days; INV-3 is not due yet.
    expect(proposal.letters.map((letter) => [letter.customerNumber, letter.level, letter.fee])).toEqual([
      ['K1', 1, '2.500'],
      ['K2', 1, '2.500'],
    ]);
    expect(proposal.letters[0]!.items).toEqual([expect.objectContaining({ documentNumber: 'INV-1', daysPastDue: 42, openAmount: '1250.125' })]);
    expect(proposal.letters[1]!.items.map((item) => item.documentNumber)).toEqual(['INV-2']);
    // 1,250.125 + 40.000 + 2 × 2.500 = 1,295.125
    expect(proposal.totals).toEqual([expect.objectContaining({ currency: 'KWD', total: '1295.125' })]);

    const table = await ardesk('dunning', 'propose', '--as-of', '2026-03-15');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('Burgan Contracting');
    expect(table.stdout).toContain('1,250.125');
    const runs = await harness.withChildDb((database) => database.query('select 1 from dunning_run'));
    expect(runs.rows).toHaveLength(0);
  });

  it('runs, refuses the creator as approver, approves and sends', async () => {
    const run = await ardesk('dunning', 'run', '--as-of', '2026-03-15', '--as', 'manager@ardesk.example');
    expect(run.code, run.stderr).toBe(0);
    const runId = /dunning run (\d+)/.exec(run.stdout)![1]!;
    expect(run.stdout).toContain('2 letters');

    const self = await ardesk('dunning', 'approve', runId, '--as', 'manager@ardesk.example');
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/you created dunning run/);
    const denied = await harness.withChildDb((database) => database.query(`select 1 from audit_event where action = 'dunning.approve' and outcome = 'denied'`));
    expect(denied.rows).toHaveLength(1);

    const approved = await ardesk('dunning', 'approve', runId, '--as', 'finance@ardesk.example');
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('approved by finance@ardesk.example');

    const printFile = join(harness.folder(), 'print.pdf');
    const sent = await ardesk('dunning', 'send', runId, '--smtp', smtp.url, '--from-address', 'ar@gulfcables.example', '--print', printFile, '--as', 'collector@ardesk.example');
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain('sent 1, failed 0, printed 1');
    expect(smtp.messages).toHaveLength(1);
    const pdf = smtp.messages[0]!.parsed.attachments[0]!.content;
    const parser = new PDFParse({ data: new Uint8Array(pdf) });
    const text = (await parser.getText()).text;
    await parser.destroy();
    expect(text).toContain('Burgan Contracting');
    expect(text).toContain('1,252.625');
    expect(existsSync(printFile)).toBe(true);
    expect((await readFile(printFile)).subarray(0, 5).toString()).toBe('%PDF-');

    const history = await ardesk('dunning', 'history', 'K1', '--format', 'json');
    expect(history.code, history.stderr).toBe(0);
    const letters = (JSON.parse(history.stdout) as { letters: { level: number; status: string; toAddress: string }[] }).letters;
    expect(letters).toEqual([expect.objectContaining({ level: 1, status: 'sent', toAddress: 'ap@burgan.example' })]);
  });

  it('rejects a bad date naming the option', async () => {
    const result = await ardesk('dunning', 'propose', '--as-of', '2026-02-30');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid --as-of "2026-02-30"/);
  });
});
