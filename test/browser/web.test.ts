import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestUser, type TestUser } from '../helpers/auth.js';
import { fixtureLedgers } from '../server/fixture.js';
import {
  chromiumAvailable,
  ensureWebAppBuilt,
  launchBrowser,
  screenshotDir,
  startServer,
  type TestBrowser,
  type TestServer,
} from './harness.js';
import { regionalLedger } from './regional.js';

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let admin: TestUser;
let regional: TestUser;
let downloads: string;

const defaultBuckets = '0,30,60,90,120,180,365';

const haveChromium = chromiumAvailable();

beforeAll(async () => {
  if (!haveChromium) return;
  await ensureWebAppBuilt();
  server = await startServer();
  admin = await createTestUser(server.db, { role: 'admin', name: 'Ada Admin' });
  regional = await createTestUser(server.db, {
    role: 'regional_accountant',
    name: 'Nora North',
    companies: ['RG01'],
    regions: ['NORTH'],
  });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  downloads = mkdtempSync(join(tmpdir(), 'ardesk-downloads-'));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

/** GET on the API as a user, through the same server the browser uses. */
async function apiGet<T>(path: string, user: TestUser): Promise<T> {
  const response = await server.app.inject({ method: 'GET', url: `/api/v1${path}`, headers: bearer(user.token) });
  expect(response.statusCode, `${path}: ${response.body}`).toBe(200);
  return response.json<T>();
}

/** Parses decimal text such as "-1234.567" into minor units, without the app's helpers. */
function minor(decimal: string, exponent: number): bigint {
  const negative = decimal.startsWith('-');
  const [whole = '0', fraction = ''] = decimal.replace('-', '').split('.');
  const value = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
  return negative ? -value : value;
}

/** Reads an amount as the page shows it ("1,234.567 KWD") into decimal text and currency. */
function screenMoney(text: string): { decimal: string; currency: string } {
  const match = /^(-?[\d,]+(?:\.\d+)?)\s+([A-Z]{3})$/.exec(text.replace(/\u00a0/g, ' ').trim());
  expect(match, `"${text}" is not an amount with a currency`).not.toBeNull();
  return { decimal: match![1]!.replaceAll(',', ''), currency: match![2]! };
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

async function signInAs(user: TestUser): Promise<void> {
  await page.goto(server.url);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function signOut(): Promise<void> {
  await page.locator('details.profile summary').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/** Reads the aging table as the page shows it: each row key with its bucket amounts and total. */
async function agingScreenRows(): Promise<{ key: string; amounts: { decimal: string; currency: string }[] }[]> {
  const rows = await page.locator('table.aging tbody tr[data-row]').all();
  const result = [];
  for (const row of rows) {
    const key = (await row.getAttribute('data-row')) ?? '';
    const cells = await row.locator('button.cell').allInnerTexts();
    result.push({ key, amounts: cells.map(screenMoney) });
  }
  return result;
}

const kuwait = fixtureLedgers()[0]!;

/** KW01's open balance in fils on a date, summed from the fixture: allocations leave it unchanged. */
function kuwaitBalance(asOf: string): bigint {
  return kuwait.items.filter((item) => item.postingDate <= asOf).reduce((sum, item) => sum + item.amount, 0n);
}

interface AgingJson {
  buckets: { label: string }[];
  rows: { key: string; currency: string; amounts: string[]; total: string }[];
  total: { amounts: string[]; total: string } | null;
}

describe.skipIf(!haveChromium)('web app in Chromium', { timeout: 120_000 }, () => {
  it('rejects a wrong password and signs in', async () => {
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('email or password is wrong');
    await screenshot('sign-in');

    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.locator('details.profile summary').innerText()).toContain('Ada Admin');
  });

  it('shows the locked account message', async () => {
    const locked = await createTestUser(server.db, { role: 'collector' });
    await signOut();
    for (let attempt = 0; attempt < 6; attempt += 1) {
      await page.getByLabel('Email').fill(locked.email);
      await page.getByLabel('Password').fill(`wrong password ${attempt}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
    }
    await expect.poll(() => page.getByRole('alert').innerText()).toContain('This account is locked');
    await screenshot('sign-in-locked');
    await signInAs(admin);
  });

  it('shows the dashboard with the total AR', async () => {
    await page.goto(`${server.url}/?company=KW01&asOf=2026-03-31`);
    const tile = page.locator('.tile', { hasText: 'Total AR' });
    await tile.waitFor();
    const total = screenMoney(await tile.locator('.money').innerText());
    expect(total.currency).toBe('KWD');
    expect(minor(total.decimal, 3)).toBe(kuwaitBalance('2026-03-31'));
    await expect.poll(() => page.locator('figure.chart svg').count()).toBeGreaterThanOrEqual(2);
    await screenshot('dashboard');

    await page.setViewportSize({ width: 768, height: 1024 });
    await screenshot('dashboard-tablet');
    await page.setViewportSize({ width: 1366, height: 768 });

    await tile.click();
    await page.getByRole('heading', { name: 'Aging' }).waitFor();
    expect(new URL(page.url()).searchParams.get('asOf')).toBe('2026-03-31');
  });

  it('leaves the month in progress out of the DSO chart and names the headline month', async () => {
    await page.goto(`${server.url}/?company=KW01&asOf=2026-02-15`);
    const note = page.locator('p.note', { hasText: 'still in progress' });
    await note.waitFor();
    expect(await note.innerText()).toContain('2026-02');
    const api = await apiGet<{ dsoMonth: string | null }>('/dashboard?company=KW01&asOf=2026-02-15', admin);
    expect(api.dsoMonth).toBe('2026-01');
    expect(await page.locator('.tile', { hasText: 'DSO' }).first().locator('.tile-label').innerText()).toBe('DSO, 2026-01');
    // Eleven ended months are drawn: one dot per month and series.
    expect(await page.locator('figure.chart circle').count()).toBeLessThanOrEqual(22);
  });

  it('keeps the dashboard date on the customer page it links to', async () => {
    await page.goto(`${server.url}/?company=KW01&asOf=2026-02-15`);
    const link = page.locator('section.panel', { hasText: 'Top overdue customers' }).locator('tbody a').first();
    await link.waitFor();
    expect(new URL(await link.evaluate((anchor) => (anchor as HTMLAnchorElement).href)).searchParams.get('asOf')).toBe('2026-02-15');
    await link.click();
    await expect.poll(() => page.locator('p.muted', { hasText: 'as of' }).first().innerText()).toContain('as of 2026-02-15');
    const customerId = new URL(page.url()).pathname.split('/').pop()!;
    const api = await apiGet<{ balance: string }>(`/customers/${customerId}?company=KW01&asOf=2026-02-15`, admin);
    const balance = screenMoney(await page.locator('.facts div', { hasText: 'Balance' }).locator('.money').innerText());
    expect(balance.decimal).toBe(api.balance);
  });

  it('shows the aging of a new date as the API computes it', async () => {
    await page.goto(`${server.url}/aging?company=KW01&by=country&asOf=2026-03-31`);
    await page.locator('table.aging tbody tr[data-row="SA"]').waitFor();
    await page.getByLabel('As of').fill('2026-02-15');
    await expect.poll(() => page.locator('table.aging caption').innerText()).toContain('2026-02-15');

    const api = await apiGet<AgingJson>(`/aging?asOf=2026-02-15&company=KW01&by=country&basis=due&buckets=${defaultBuckets}`, admin);
    const screen = await agingScreenRows();
    expect(screen.map((row) => row.key)).toEqual(api.rows.map((row) => row.key));
    for (const apiRow of api.rows) {
      const screenRow = screen.find((row) => row.key === apiRow.key)!;
      expect(screenRow.amounts.map((amount) => amount.decimal)).toEqual([...apiRow.amounts, apiRow.total]);
      expect(new Set(screenRow.amounts.map((amount) => amount.currency))).toEqual(new Set([apiRow.currency]));
    }
    const grandTotal = screenMoney(await page.locator('table.aging tfoot button.cell').last().innerText());
    expect(minor(grandTotal.decimal, 3)).toBe(kuwaitBalance('2026-02-15'));

    await page.locator('details.profile summary').click();
    await page.getByLabel('Date format').selectOption('DD.MM.YYYY');
    await expect.poll(() => page.locator('table.aging caption').innerText()).toContain('15.02.2026');
    await page.getByLabel('Date format').selectOption('YYYY-MM-DD');
    await expect.poll(() => page.locator('table.aging caption').innerText()).toContain('2026-02-15');
    await page.locator('details.profile summary').click();
    await screenshot('aging');
    await page.setViewportSize({ width: 768, height: 1024 });
    await screenshot('aging-tablet');
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('drills into the items of a cell', async () => {
    await page.goto(`${server.url}/aging?company=KW01&by=country&asOf=2026-03-31`);
    const cell = page.locator('table.aging tbody tr[data-row="SA"] button[data-bucket="6"]');
    await cell.waitFor();
    const cellAmount = screenMoney(await cell.innerText());
    await cell.click();
    await page.locator('tr[data-item]').first().waitFor();

    const api = await apiGet<{ total: number; items: { documentNumber: string }[] }>(
      `/aging/items?asOf=2026-03-31&company=KW01&by=country&basis=due&buckets=${defaultBuckets}&key=SA&bucket=6&limit=50`,
      admin,
    );
    const documents = await page.locator('tr[data-item]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-item')));
    expect(documents).toEqual(api.items.map((item) => item.documentNumber));
    expect(documents).toContain('INV-BIG');

    const localAmounts = await page.locator('tr[data-item] td:last-child').allInnerTexts();
    const sum = localAmounts.map(screenMoney).reduce((total, amount) => total + minor(amount.decimal, 3), 0n);
    expect(sum).toBe(minor(cellAmount.decimal, 3));
    await screenshot('aging-items');
  });

  it('exports XLSX and CSV equal to the screen', async () => {
    await page.goto(`${server.url}/aging?company=KW01&by=customer&asOf=2026-03-31`);
    await page.locator('table.aging tbody tr[data-row]').first().waitFor();
    const screen = await agingScreenRows();
    const headers = await page.locator('table.aging thead th').allInnerTexts();
    // Every column of the export in the screen's order: the bucket cells, the
    // disputed part (a plain cell, not a drill-down button) and the total.
    const disputed = await page.locator('table.aging tbody tr[data-row] td.disputed').allInnerTexts();
    const exported = screen.map((row, index) => [
      ...row.amounts.slice(0, -1).map((amount) => amount.decimal),
      screenMoney(disputed[index]!).decimal,
      row.amounts.at(-1)!.decimal,
    ]);

    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export XLSX' }).click()]);
    const xlsxFile = join(downloads, 'aging.xlsx');
    await xlsxDownload.saveAs(xlsxFile);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsxFile);
    const sheet = workbook.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    // The workbook adds a Currency column after the name, which the screen shows beside each amount.
    expect(header).toEqual([headers[0], headers[1], 'Currency', ...headers.slice(2)]);
    screen.forEach((row, index) => {
      const cells = (sheet.getRow(index + 2).values as unknown[]).slice(1);
      expect(cells[0]).toBe(row.key);
      expect(cells[2]).toBe(row.amounts[0]!.currency);
      const amounts = cells.slice(3).map((value) => (typeof value === 'number' ? value.toFixed(3) : String(value)));
      expect(amounts).toEqual(exported[index]);
    });
    expect(sheet.getRow(screen.length + 2).getCell(1).value).toBe('Total');

    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csvFile = join(downloads, 'aging.csv');
    await csvDownload.saveAs(csvFile);
    const lines = readFileSync(csvFile, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]!.split(',')).toEqual([headers[0], headers[1], 'Currency', ...headers.slice(2)]);
    screen.forEach((row, index) => {
      const fields = lines[index + 1]!.split(',');
      expect(fields[0]).toBe(row.key);
      expect(fields.slice(3)).toEqual(exported[index]);
    });
    expect(lines).toHaveLength(screen.length + 2);
  });

  it('imports a CSV file and shows the result', async () => {
    const rows = [
      ['W001', 'WEB-1', '2026-01-10', '2026-02-09', '100.50'],
      ['W001', 'WEB-2', '2026-01-20', '2026-02-19', '2500.00'],
      ['W002', 'WEB-3', '2026-02-01', '2026-03-03', '75.25'],
    ];
    const csv = ['Customer,Document,Posting date,Due date,Amount', ...rows.map((row) => row.join(','))].join('\n');
    const mapping = {
      customer: { number: 'Customer' },
      item: { documentNumber: 'Document', kind: { fixed: 'invoice' }, postingDate: 'Posting date', dueDate: 'Due date' },
      amount: { column: 'Amount' },
    };
    await page.goto(`${server.url}/imports`);
    await page.getByLabel('CSV or XLSX open items with a column mapping').check();
    await page.getByLabel('Company code (optional)').fill('WEB1');
    await page.getByLabel('Currency of a new company (optional)').fill('EUR');
    await page.getByLabel('Column mapping (JSON)').fill(JSON.stringify(mapping, null, 2));

    // A bad date on the second data row is reported with its line, and nothing is written.
    const bad = csv.replace('2026-01-20', '2026-01-32');
    await page.getByLabel('File').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => page.getByRole('alert').innerText()).toMatch(/bad\.csv, line 3, column "Posting date"/);

    await page.getByLabel('File').setInputFiles({ name: 'open-items.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import' }).click();
    const result = page.locator('tr[data-company="WEB1"]');
    await result.waitFor();
    expect(await result.locator('[data-items-inserted]').innerText()).toBe(String(rows.length));
    expect(await result.locator('[data-import-id]').innerText()).toMatch(/^\d+$/);
    expect(await page.locator('progress').getAttribute('value')).toBe(await page.locator('progress').getAttribute('max'));
    await screenshot('imports');

    const aging = await apiGet<AgingJson>('/aging?asOf=2026-12-31&company=WEB1', admin);
    const expected = rows.reduce((sum, row) => sum + minor(row[4]!, 2), 0n);
    expect(minor(aging.total!.total, 2)).toBe(expected);
  });

  it('lists customers and opens a customer page', async () => {
    await page.goto(`${server.url}/customers?company=KW01&search=Falcon`);
    await page.locator('tr[data-customer]').first().waitFor();
    const numbers = await page.locator('tr[data-customer]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-customer')));
    const expected = kuwait.customers.filter((customer) => customer.name.includes('Falcon')).map((customer) => customer.customerNumber);
    expect(numbers).toEqual(expected);
    await screenshot('customers');

    await page.goto(`${server.url}/customers?company=RG01`);
    await page.locator('tr[data-customer]').first().waitFor();
    await page.getByLabel('Region').fill('SOUTH');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect
      .poll(() => page.locator('tr[data-customer]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-customer'))))
      .toEqual(['S001', 'S002']);

    await page.goto(`${server.url}/customers?company=KW01`);
    await page.locator('tr[data-customer]').first().waitFor();
    await page.getByRole('button', { name: 'Balance' }).click();
    await page.getByRole('button', { name: /Balance/ }).click();
    await expect.poll(() => page.locator('th[aria-sort="descending"]').count()).toBe(1);
    const byBalance = await page.locator('tr[data-customer]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-customer')));
    const balances = new Map<string, bigint>();
    for (const item of kuwait.items) balances.set(item.customerNumber, (balances.get(item.customerNumber) ?? 0n) + item.amount);
    const expectedOrder = [...balances.entries()].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0)).map(([number]) => number);
    expect(byBalance).toEqual(expectedOrder);

    await page.locator('tr[data-customer="K010"] a').first().click();
    await page.getByRole('heading', { name: 'K010 Falcon Supplies 10' }).waitFor();
    const balance = screenMoney(await page.locator('.facts div', { hasText: 'Balance' }).locator('.money').innerText());
    const k010 = kuwait.items.filter((item) => item.customerNumber === 'K010').reduce((sum, item) => sum + item.amount, 0n);
    expect(minor(balance.decimal, 3)).toBe(k010);
    await screenshot('customer');
  });

  it('adds and disables a user, and shows it in the audit trail', async () => {
    await page.goto(`${server.url}/users`);
    await page.locator(`tr[data-user="${regional.email}"]`).waitFor();
    await page.getByLabel('Email', { exact: true }).fill('new.collector@example.test');
    await page.getByLabel('Name', { exact: true }).fill('New Collector');
    await page.getByLabel('Role', { exact: true }).selectOption('collector');
    await page.getByLabel('Password (at least 12 characters)').fill('a long enough password');
    await page.getByRole('button', { name: 'Add user' }).click();
    const row = page.locator('tr[data-user="new.collector@example.test"]');
    await row.waitFor();
    await row.getByRole('button', { name: /Disable/ }).click();
    await expect.poll(() => row.locator('td').nth(5).innerText()).toBe('disabled');
    await screenshot('users');

    await page.goto(`${server.url}/audit?entity=user`);
    await page.locator('table tbody tr').first().waitFor();
    const text = await page.locator('table tbody').innerText();
    expect(text).toContain('new.collector@example.test');
    await screenshot('audit');
  });

  it('shows a regional user only their region', async () => {
    await signOut();
    await signInAs(regional);
    const north = regionalLedger().items.filter((item) => item.customerNumber.startsWith('N'));
    const northTotal = north.reduce((sum, item) => sum + item.amount, 0n);

    await page.goto(`${server.url}/aging?company=RG01&by=region&asOf=2026-03-31`);
    await page.locator('table.aging tbody tr[data-row]').first().waitFor();
    const byRegion = await agingScreenRows();
    expect(byRegion.map((row) => row.key)).toEqual(['NORTH']);
    expect(minor(byRegion[0]!.amounts.at(-1)!.decimal, 2)).toBe(northTotal);
    await screenshot('regional-aging');

    await page.goto(`${server.url}/aging?company=RG01&by=customer&asOf=2026-03-31`);
    await page.locator('table.aging tbody tr[data-row]').first().waitFor();
    expect((await agingScreenRows()).map((row) => row.key)).toEqual(north.map((item) => item.customerNumber));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export XLSX' }).click()]);
    const file = join(downloads, 'regional.xlsx');
    await download.saveAs(file);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const keys: string[] = [];
    workbook.worksheets[0]!.eachRow((row, number) => {
      if (number > 1) keys.push(String(row.getCell(1).value));
    });
    expect(keys).toEqual([...north.map((item) => item.customerNumber), 'Total']);

    await page.goto(`${server.url}/customers?company=RG01`);
    await page.locator('tr[data-customer]').first().waitFor();
    const customers = await page.locator('tr[data-customer]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-customer')));
    expect(customers).toEqual(north.map((item) => item.customerNumber));

    const south = await apiGet<{ customers: { customerId: string }[] }>('/customers?company=RG01&search=S001', admin);
    await page.goto(`${server.url}/customers/${south.customers[0]!.customerId}?company=RG01`);
    await expect.poll(() => page.getByRole('alert').first().innerText()).toMatch(/scope|forbidden|not allowed|may not/i);
  });

  it('shows a regional user only their region on the dashboard', async () => {
    const north = regionalLedger().items.filter((item) => item.customerNumber.startsWith('N'));
    const northTotal = north.reduce((sum, item) => sum + item.amount, 0n);
    await page.goto(`${server.url}/?company=RG01&asOf=2026-03-31`);
    const tile = page.locator('.tile', { hasText: 'Total AR' });
    await tile.waitFor();
    expect(minor(screenMoney(await tile.locator('.money').innerText()).decimal, 2)).toBe(northTotal);
    const regions = await page.locator('section.panel', { hasText: 'By region' }).locator('tbody td:first-child').allInnerTexts();
    expect(regions).toEqual(['NORTH']);
    const topOverdue = await page.locator('section.panel', { hasText: 'Top overdue customers' }).locator('tbody td:first-child').allInnerTexts();
    for (const customer of topOverdue) expect(customer).toMatch(/^N\d{3} /);
    await screenshot('regional-dashboard');
  });
});
