import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { useCliHarness } from '../../test/helpers/cli.js';
import { applyImport, type OpenItemInput, type ParsedLedger } from '../ledger/index.js';
import type { KpiReportJson } from '../kpi/index.js';

function invoice(erpKey: string, customerNumber: string, postingDate: string, dueDate: string, amount: bigint): OpenItemInput {
  return {
    customerNumber,
    kind: 'invoice',
    documentNumber: erpKey,
    erpKey,
    documentDate: postingDate,
    postingDate,
    dueDate,
    currency: 'EUR',
    amount,
  };
}

// March: INV-0 300.00 due on the month-end itself (not yet due).
// April: INV-1 900.00 not yet due; INV-0 overdue; closing AR 1,200.00.
const ledger: ParsedLedger = {
  company: { code: 'KP01', currency: 'EUR' },
  customers: [
    { customerNumber: 'A', name: 'Alpha', region: 'North' },
    { customerNumber: 'B', name: 'Beta', region: 'South' },
  ],
  items: [
    invoice('INV-0', 'A', '2026-03-01', '2026-03-31', 30_000n),
    invoice('INV-1', 'B', '2026-04-10', '2026-05-10', 90_000n),
  ],
  allocations: [],
  rowCount: 2,
};

const harness = useCliHarness('kpi-cli', (database) =>
  applyImport(database, { kind: 'test', file: 'cli', sha256: 'k' }, [ledger]),
);
const { ardesk } = harness;

describe('ardesk kpi', () => {
  it('prints the month table and the legend', async () => {
    const { code, stdout, stderr } = await ardesk('kpi', '--from', '2026-03', '--to', '2026-04', '--company', 'KP01');
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('KPIs 2026-03 to 2026-04 (local currency, balances as of each month-end)');
    const april = lines.find((line) => line.startsWith('2026-04'))!.split(/\s{2,}/);
    // Month, currency, 8 amounts, then the 7 KPIs.
    expect(april.slice(0, 2)).toEqual(['2026-04', 'EUR']);
    // Sales 900.00; opening 300.00; closing 1,200.00; current 900.00.
    expect(april[2]).toBe('900.00');
    expect(april[5]).toBe('300.00');
    expect(april[6]).toBe('1,200.00');
    expect(april[7]).toBe('900.00');
    // DSO 1,200 / 900 x 30 = 40.00. Countback: 900 of April (30 days),
    // then 300 / 300 x 31 of March = 61.00. Best possible 900 / 900 x 30.
    expect(april.slice(10, 14)).toEqual(['40.00', '61.00', '30.00', '10.00']);
    // CEI (300 + 900 - 1,200) / (300 + 900 - 900) x 100 = 0.00.
    expect(april[14]).toBe('0.00');
    expect(stdout).toContain('\nMethods\n');
    expect(lines.find((line) => line.startsWith('DSO-CB36 '))).toMatch(/At most 36 months/);
  });

  it('explains values it cannot compute', async () => {
    const { code, stdout } = await ardesk('kpi', '--from', '2026-03', '--to', '2026-03');
    expect(code).toBe(0);
    const march = stdout.split('\n').find((line) => line.startsWith('2026-03'))!.split(/\s{2,}/);
    // March: opening 0 + sales 300 - current 300 = 0, so CEI has no denominator.
    expect(march[14]).toBe('n/a');
    expect(stdout).toMatch(/CEI %\s+opening AR \+ credit sales − current AR is not positive\s+1/);
  });

  it('writes the JSON report by region', async () => {
    const { code, stdout, stderr } = await ardesk('kpi', '--from', '2026-04', '--to', '2026-04', '--by', 'region', '--format', 'json');
    expect(code, stderr).toBe(0);
    const json = JSON.parse(stdout) as KpiReportJson;
    expect(json.groupBy).toBe('region');
    expect(json.rows.map((row) => [row.key, row.closingAr, row.kpis.dsoStandard.value])).toEqual([
      // North: INV-0 300.00 open, no April sales.
      ['North', '300.00', null],
      // South: 900 / 900 x 30.
      ['South', '900.00', '30.00'],
    ]);
    expect(json.rows[0]!.kpis.dsoStandard.reason).toBe('no credit sales in the month');
    expect(json.totals.map((row) => [row.currency, row.closingAr, row.kpis.dsoStandard.value])).toEqual([
      ['EUR', '1200.00', '40.00'],
    ]);
    expect(json.methods.map((method) => method.code)).toContain('DSO-STD');
  });

  it('writes CSV with totals after the groups', async () => {
    const { code, stdout } = await ardesk('kpi', '--from', '2026-04', '--to', '2026-04', '--by', 'customer', '--format', 'csv');
    expect(code).toBe(0);
    const lines = stdout.split('\r\n');
    expect(lines[0]).toMatch(/^Month,Company,Customer,Name,Currency,Credit sales,/);
    expect(lines[1]).toMatch(/^2026-04,KP01,A,Alpha,EUR,0\.00,0\.00,0\.00,300\.00,300\.00,0\.00,300\.00,0\.00,n\/a,/);
    expect(lines[3]).toMatch(/^2026-04,,Total,,EUR,900\.00,0\.00,900\.00,300\.00,1200\.00,900\.00,300\.00,0\.00,40\.00,61\.00,/);
  });

  it('writes an XLSX file', async () => {
    const file = join(harness.folder(), 'kpi.xlsx');
    const { code, stderr } = await ardesk('kpi', '--from', '2026-04', '--to', '2026-04', '--format', 'xlsx', '--output', file);
    expect(code, stderr).toBe(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getRow(1).getCell(11).value).toBe('DSO [DSO-STD]');
    expect(sheet.getRow(2).getCell(7).value).toBe(1200);
    expect(sheet.getRow(2).getCell(11).value).toBe(40);
    expect(workbook.worksheets[1]!.name).toBe('Methods');
  });

  it.each([
    [['--from', '2026-13', '--to', '2026-12'], 'ardesk: invalid --from "2026-13": use a month as YYYY-MM'],
    [['--from', '2026-05', '--to', '2026-04'], 'ardesk: --from 2026-05 is after --to 2026-04'],
    [['--from', '2026-01', '--to', '2026-01', '--by', 'planet'], /^ardesk: invalid --by "planet": use one of customer,/],
    [['--from', '2026-01', '--to', '2026-01', '--format', 'xlsx'], 'ardesk: the xlsx format writes a file: add --output FILE.xlsx'],
    [['--from', '2026-01', '--to', '2026-01', '--company', 'ZZ'], /^ardesk: company "ZZ" not found/],
  ])('rejects %j in one line', async (args, message) => {
    const { code, stderr } = await ardesk('kpi', ...args);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
