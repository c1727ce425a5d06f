import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSmtp, type LocalSmtp } from '../../test/helpers/smtp.js';
import { cliActor } from '../auth/actor.js';
import { setContact } from '../collections/contacts.js';
import { useCliHarness } from '../../test/helpers/cli.js';
import type { StatementJson } from '../collections/index.js';
import { applyImport, getCompany, type OpenItemInput, type ParsedLedger } from '../ledger/index.js';

function item(kind: OpenItemInput['kind'], documentNumber: string, date: string, dueDate: string, amount: bigint): OpenItemInput {
  return {
    customerNumber: 'K1',
    kind,
    documentNumber,
    erpKey: documentNumber,
    documentDate: date,
    postingDate: date,
    dueDate,
    currency: 'KWD',
    amount,
  };
}

// Opening on 2026-02-01: INV-1 2,000.500 less 500.000 paid = 1,500.500.
// February: INV-2 750.125, PAY-2 1,000.000: closing 1,250.625.
const ledger: ParsedLedger = {
  company: { code: 'ST01', name: 'Kuwait Lubricants', currency: 'KWD' },
  customers: [{ customerNumber: 'K1', name: 'Fahaheel Motors', region: 'South' }],
  items: [
    item('invoice', 'INV-1', '2026-01-05', '2026-02-04', 2_000_500n),
    item('payment', 'PAY-1', '2026-01-25', '2026-01-25', -500_000n),
    item('invoice', 'INV-2', '2026-02-10', '2026-03-12', 750_125n),
    item('payment', 'PAY-2', '2026-02-20', '2026-02-20', -1_000_000n),
  ],
  allocations: [
    { erpKey: 'A1', creditErpKey: 'PAY-1', debitErpKey: 'INV-1', allocationDate: '2026-01-25', amount: 500_000n },
    { erpKey: 'A2', creditErpKey: 'PAY-2', debitErpKey: 'INV-1', allocationDate: '2026-02-20', amount: 1_000_000n },
  ],
  rowCount: 4,
};

const harness = useCliHarness('statement-cli', (database) =>
  applyImport(database, { kind: 'test', file: 'cli', sha256: 'statement-cli' }, [ledger]),
);
const { ardesk } = harness;
const period = ['--from', '2026-02-01', '--to', '2026-02-28'];

describe('ardesk statement', () => {
  it('prints the statement as JSON with decimal text in three places', async () => {
    const { code, stdout, stderr } = await ardesk('statement', 'K1', ...period, '--format', 'json');
    expect(code, stderr).toBe(0);
    const json = JSON.parse(stdout) as StatementJson;
    expect(json.company.code).toBe('ST01');
    expect(json.customer.customerNumber).toBe('K1');
    expect([json.from, json.to]).toEqual(['2026-02-01', '2026-02-28']);
    const section = json.sections[0]!;
    expect([section.currency, section.openingBalance, section.closingBalance, section.aging.total]).toEqual([
      'KWD',
      '1500.500',
      '1250.625',
      '1250.625',
    ]);
    expect(section.lines.map((line) => [line.documentNumber, line.debit, line.credit, line.balance])).toEqual([
      ['INV-2', '750.125', null, '2250.625'],
      ['PAY-2', null, '1000.000', '1250.625'],
      ['PAY-2', null, null, '1250.625'],
    ]);
  });

  it('prints a table with the opening and closing balances', async () => {
    const { code, stdout, stderr } = await ardesk('statement', 'K1', ...period, '--company', 'ST01');
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Kuwait Lubricants: statement of account of K1 Fahaheel Motors, 2026-02-01 to 2026-02-28');
    expect(stdout).toMatch(/Opening balance\s+1,500\.500/);
    expect(stdout).toMatch(/Closing balance\s+1,250\.625/);
    expect(stdout).toMatch(/INV-2 .* 750\.125\s+2,250\.625/);
  });

  it('writes a PDF whose text holds the closing balance', async () => {
    const file = join(harness.folder(), 'k1.pdf');
    const { code, stderr } = await ardesk('statement', 'K1', ...period, '--format', 'pdf', '--output', file);
    expect(code, stderr).toBe(0);
    const parser = new PDFParse({ data: new Uint8Array(await readFile(file)) });
    const { text } = await parser.getText();
    await parser.destroy();
    expect(text).toContain('Fahaheel Motors');
    expect(text).toContain('INV-2');
    expect(text).toMatch(/Closing balance 1,250\.625/);
  });

  it('writes an XLSX with numeric amounts', async () => {
    const file = join(harness.folder(), 'k1.xlsx');
    const { code, stderr } = await ardesk('statement', 'K1', ...period, '--format', 'xlsx', '--output', file);
    expect(code, stderr).toBe(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.getWorksheet('KWD')!;
    const values: unknown[] = [];
    sheet.eachRow((row) => {
      if (row.getCell(2).value === 'Closing balance') values.push(row.getCell(10).value);
    });
    expect(values).toEqual([1250.625]);
  });

  it.each([
    [['NOPE', ...period], 'ardesk: customer "NOPE" not found\n'],
    [['K1', '--from', '2026-03-01', '--to', '2026-02-28'], 'ardesk: invalid period: --from 2026-03-01 is after --to 2026-02-28\n'],
    [['K1', '--from', '2026-02-30', '--to', '2026-03-31'], 'ardesk: invalid --from "2026-02-30": use a date as YYYY-MM-DD\n'],
    [['K1', '--from', '2026-02-01', '--to', '31/03/2026'], 'ardesk: invalid --to "31/03/2026": use a date as YYYY-MM-DD\n'],
    [['K1', ...period, '--format', 'pdf'], 'ardesk: the pdf format writes a file: add --output FILE.pdf\n'],
    [['K1', ...period, '--format', 'csv'], 'ardesk: invalid --format "csv": use one of table, json, pdf, xlsx\n'],
    [['K1', ...period, '--company', 'XX'], 'ardesk: company "XX" not found\n'],
  ])('rejects %j with one line', async (args, message) => {
    const { code, stdout, stderr } = await ardesk('statement', ...args);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(message);
  });
});

describe('ardesk statement --batch', () => {
  let smtp: LocalSmtp;
  beforeAll(async () => {
    smtp = await startLocalSmtp();
  });
  afterAll(async () => {
    await smtp.close();
  });
  const mail = () => ['--email', '--smtp', smtp.url, '--from-address', 'ar@lubricants.example'];

  it('writes the statement of a customer without contact for print', async () => {
    const folder = join(harness.folder(), 'print');
    const { code, stdout, stderr } = await ardesk('statement', '--batch', ...period, ...mail(), '--output-dir', folder);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('1 customers: 0 sent, 0 failed, 0 skipped, 1 written');
    expect(stdout).toMatch(/^K1\s+Fahaheel Motors\s+written\s+1,250\.625\s+.*statement-ST01-K1-2026-02-01-2026-02-28\.pdf/m);
    expect(await readdir(folder)).toEqual(['statement-ST01-K1-2026-02-01-2026-02-28.pdf']);
    expect(smtp.messages).toHaveLength(0);
  });

  it('mails the statement to the contact', async () => {
    await harness.withChildDb(async (database) => {
      const company = await getCompany(database, 'ST01');
      const found = await database.query<{ customer_id: bigint }>("select customer_id from customer where customer_number = 'K1'");
      await setContact(database, company.companyId, { customerId: found.rows[0]!.customer_id, purpose: 'statements', email: 'ap@fahaheel.example' }, cliActor());
    });
    const { code, stdout, stderr } = await ardesk('statement', '--batch', ...period, '--customers', 'K1', ...mail());
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^K1\s+Fahaheel Motors\s+sent\s+ap@fahaheel\.example\s+1,250\.625/m);
    expect(smtp.messages.map((message) => message.envelopeTo)).toEqual([['ap@fahaheel.example']]);
    const attachment = smtp.messages[0]!.parsed.attachments[0]!;
    const parser = new PDFParse({ data: attachment.content });
    const text = (await parser.getText()).text;
    await parser.destroy();
    expect(text).toContain('Fahaheel Motors');
  });

  it.each([
    [['--batch', ...period], 'ardesk: --batch needs --email, --output-dir DIR or both\n'],
    [['K1', '--batch', ...period, '--output-dir', 'x'], 'ardesk: --batch takes no customer number ("K1"): use --customers K1\n'],
    [[...period], 'ardesk: missing customer number: ardesk statement CUSTOMER --from D --to D, or add --batch\n'],
    [['--batch', ...period, '--email', '--smtp', 'http://127.0.0.1:1', '--from-address', 'a@b.example'], 'ardesk: invalid mail server URL "http://127.0.0.1:1": the scheme must be smtp or smtps\n'],
  ])('rejects %j with one line', async (args, message) => {
    const { code, stderr } = await ardesk('statement', ...args);
    expect(code).toBe(1);
    expect(stderr).toBe(message);
  });
});
