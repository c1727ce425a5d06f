import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyImport } from '../../src/ledger/index.js';
import { bearer, createTestUser, type TestUser } from '../helpers/auth.js';
import { chromiumAvailable, ensureWebAppBuilt, launchBrowser, screenshotDir, startServer, type TestBrowser, type TestServer } from './harness.js';
import { openPage, signInWithForm } from './session.js';

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let treasurer: TestUser;
let collector: TestUser;

const haveChromium = chromiumAvailable();
const company = 'CSH1';
const account = 'US11TEST0001';

/** Two invoices of one customer, in cents, that the statement's credits pay. */
const invoices = [
  { documentNumber: '90001001', amount: 100_000n, due: '2026-04-30' },
  { documentNumber: '90001002', amount: 50_000n, due: '2026-05-31' },
];

beforeAll(async () => {
  if (!haveChromium) return;
  await ensureWebAppBuilt();
  server = await startServer();
  await applyImport(server.db, { kind: 'test', file: 'cash-browser', sha256: 'cash-browser' }, [
    {
      company: { code: company, name: 'Cash Browser Inc', currency: 'USD' },
      customers: [
        { customerNumber: 'H100', name: 'Harbor Foods Inc', region: 'EAST', country: 'US' },
        { customerNumber: 'L200', name: 'Lakeside Retail LLC', region: 'EAST', country: 'US' },
      ],
      items: [
        ...invoices.map((invoice) => ({
          customerNumber: 'H100',
          kind: 'invoice' as const,
          documentNumber: invoice.documentNumber,
          erpKey: invoice.documentNumber,
          documentDate: '2026-03-01',
          postingDate: '2026-03-01',
          dueDate: invoice.due,
          currency: 'USD',
          amount: invoice.amount,
        })),
        {
          customerNumber: 'L200',
          kind: 'invoice' as const,
          documentNumber: '90002001',
          erpKey: '90002001',
          documentDate: '2026-03-01',
          postingDate: '2026-03-01',
          dueDate: '2026-04-15',
          currency: 'USD',
          amount: 31_337n,
        },
      ],
      allocations: [],
      rowCount: 3,
    },
  ]);
  treasurer = await createTestUser(server.db, { role: 'treasury', name: 'Tess Treasury' });
  collector = await createTestUser(server.db, { role: 'collector', name: 'Cole Collector' });
  browser = await launchBrowser();
  page = await openPage(browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function apiGet<T>(path: string, user: TestUser = treasurer): Promise<T> {
  const response = await server.app.inject({ method: 'GET', url: `/api/v1${path}`, headers: bearer(user.token) });
  expect(response.statusCode, `${path}: ${response.body}`).toBe(200);
  return response.json<T>();
}

/** Decimal text to cents, written apart from the app's helpers. */
function cents(decimal: string): bigint {
  const negative = decimal.startsWith('-');
  const [whole = '0', fraction = ''] = decimal.replace('-', '').split('.');
  const value = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2) || '0');
  return negative ? -value : value;
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

async function signInAs(user: TestUser): Promise<void> {
  await signInWithForm(page, server.url, user);
}

async function signOut(): Promise<void> {
  await page.locator('details.profile summary').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

/** Open amounts of a customer's open items by document number. */
async function openAmounts(customerNumber: string): Promise<Map<string, string>> {
  const list = await apiGet<{ customers: { customerId: string; customerNumber: string }[] }>(`/customers?company=${company}&search=${customerNumber}`);
  const customer = list.customers.find((entry) => entry.customerNumber === customerNumber)!;
  const items = await apiGet<{ items: { documentNumber: string; openAmount: string }[] }>(
    `/customers/${customer.customerId}/items?company=${company}&status=open&limit=200`,
  );
  return new Map(items.items.map((item) => [item.documentNumber, item.openAmount]));
}

interface QueueJson {
  counts: Record<string, number>;
  entries: { entryId: string; amount: string; status: string; customerNumber: string | null }[];
}

/** Writes a camt.053 statement of two credits to the test account. */
function statementXml(): string {
  const credit = (ref: string, amount: string, name: string, remittance: string | null) =>
    `<Ntry><NtryRef>${ref}</NtryRef><Amt Ccy="USD">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-06-10</Dt></BookgDt><ValDt><Dt>2026-06-10</Dt></ValDt><AcctSvcrRef>${ref}</AcctSvcrRef>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>${name}</Nm></Dbtr></RltdPties>${remittance === null ? '' : `<RmtInf><Ustrd>${remittance}</Ustrd></RmtInf>`}</TxDtls></NtryDtls></Ntry>`;
  const balance = (code: string, amount: string, date: string) =>
    `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="USD">${amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${date}</Dt></Dt></Bal>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt><GrpHdr><MsgId>WEB-1</MsgId></GrpHdr>
<Stmt><Id>WEB-STMT-1</Id><Acct><Id><Othr><Id>${account}</Id></Othr></Id><Ccy>USD</Ccy></Acct>
${balance('OPBD', '5000.00', '2026-06-09')}
${balance('CLBD', '6700.00', '2026-06-10')}
${credit('R-1', '700.00', 'Acme Payment Services', 'Invoices 90001001 90001002')}
${credit('R-2', '1000.00', 'Unknown Sender', null)}
</Stmt></BkToCstmrStmt></Document>
`;
}

describe.skipIf(!haveChromium)('cash application in Chromium', { timeout: 120_000 }, () => {
  it('imports a statement on the Bank page', async () => {
    await signInAs(treasurer);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bank' }).click();
    await page.getByRole('heading', { name: 'Bank', exact: true }).waitFor();
    await page.getByLabel('Company').selectOption(company);
    await page.getByLabel('Bank', { exact: true }).fill('Test Savings Bank');
    await page.getByLabel('Account number or IBAN').fill(account);
    await page.getByLabel('Currency').fill('USD');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.locator(`tr[data-account="${account}"]`).waitFor();
    const accounts = await apiGet<{ accounts: { company: string; accountNumber: string; currency: string }[] }>('/bank-accounts');
    expect(accounts.accounts).toContainEqual(expect.objectContaining({ company, accountNumber: account, currency: 'USD' }));

    await page.getByLabel('Statement file').setInputFiles({ name: 'june.xml', mimeType: 'application/xml', buffer: Buffer.from(statementXml()) });
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('[data-preview]');
    await preview.waitFor();
    expect((await preview.locator('[data-opening]').innerText()).replace(/\s+/g, ' ')).toBe('5,000.00 USD');
    expect((await preview.locator('[data-closing]').innerText()).replace(/\s+/g, ' ')).toBe('6,700.00 USD');
    expect(await preview.locator('tr[data-entry-row]').count()).toBe(2);
    // A preview stores nothing.
    expect((await apiGet<QueueJson>(`/cash-application/queue?company=${company}&status=review`)).entries).toHaveLength(0);
    await screenshot('bank-preview');

    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const imported = page.locator('[data-imported]');
    await imported.waitFor();
    const queue = await apiGet<QueueJson>(`/cash-application/queue?company=${company}&status=review`);
    expect(queue.entries.map((entry) => entry.amount).sort()).toEqual(['1000.00', '700.00']);
    expect(await imported.locator(`tr[data-applied="${company}"] [data-review]`).innerText()).toBe('2');
    await screenshot('bank-imported');
  });

  it('confirms a split over two invoices', async () => {
    const before = await openAmounts('H100');
    await page.getByRole('link', { name: 'Open the review queue' }).click();
    await page.getByRole('heading', { name: 'Cash application' }).waitFor();
    const queue = await apiGet<QueueJson>(`/cash-application/queue?company=${company}&status=review`);
    const credit = queue.entries.find((entry) => entry.amount === '700.00')!;
    // The counts arrive with the queue, after the heading; wait for the row first.
    await page.locator(`tr[data-entry="${credit.entryId}"]`).waitFor();
    await page.locator('button[data-tab="review"] .count', { hasText: String(queue.counts.review) }).waitFor();
    expect(await page.locator('button[data-tab="review"] .count').innerText()).toBe(String(queue.counts.review));
    await page.locator(`tr[data-entry="${credit.entryId}"] button`).first().click();
    const detail = page.locator(`[data-detail="${credit.entryId}"]`);
    await detail.waitFor();
    expect(await detail.locator('.remittance').innerText()).toContain('90001001');
    await detail.getByLabel('Pay on 90001001').fill('400.00');
    await detail.getByLabel('Pay on 90001002').fill('300.00');
    await expect.poll(() => detail.locator('.allocation').innerText()).not.toContain('left');
    await screenshot('cash-split');
    await detail.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByRole('status').first().innerText()).toContain(`Credit ${credit.entryId} confirmed`);
    await page.locator(`tr[data-entry="${credit.entryId}"]`).waitFor({ state: 'detached' });

    const after = await openAmounts('H100');
    expect(cents(before.get('90001001')!) - cents(after.get('90001001')!)).toBe(40_000n);
    expect(cents(before.get('90001002')!) - cents(after.get('90001002')!)).toBe(30_000n);
    // The other customer's invoice is untouched.
    expect((await openAmounts('L200')).get('90002001')).toBe('313.37');
  });

  it('moves a rejected credit to suspense', async () => {
    const queue = await apiGet<QueueJson>(`/cash-application/queue?company=${company}&status=review`);
    const credit = queue.entries.find((entry) => entry.amount === '1000.00')!;
    await page.locator(`tr[data-entry="${credit.entryId}"] button`).first().click();
    const detail = page.locator(`[data-detail="${credit.entryId}"]`);
    await detail.getByLabel('Reason for rejecting').fill('Sender unknown, ask the bank');
    await detail.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(() => page.getByRole('status').first().innerText()).toContain('in suspense');
    await page.locator('button[data-tab="suspense"]').click();
    await page.locator(`tr[data-entry="${credit.entryId}"]`).waitFor();
    expect(await page.locator('button[data-tab="suspense"] .count').innerText()).toBe('1');
    const suspense = await apiGet<QueueJson>(`/cash-application/queue?company=${company}&status=suspense`);
    expect(suspense.entries.map((entry) => entry.entryId)).toEqual([credit.entryId]);
    await screenshot('cash-suspense');
  });

  it('counts the credit as collected', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Collections' }).click();
    await page.getByRole('heading', { name: 'Collections' }).waitFor();
    await page.getByLabel('Company').selectOption(company);
    await page.getByLabel('From').fill('2026-06-01');
    await page.getByLabel('To').fill('2026-06-30');
    const total = page.locator('tr[data-total="2026-06"]');
    await total.waitFor();
    const report = await apiGet<{ totals: { period: string; collected: string }[] }>(
      `/collections?company=${company}&from=2026-06-01&to=2026-06-30&period=month&by=region`,
    );
    // Only the 700.00 credit was posted. The rejected one waits in suspense.
    expect(report.totals.find((row) => row.period === '2026-06')?.collected).toBe('700.00');
    expect((await total.locator('td').nth(2).innerText()).replace(/\s+/g, ' ')).toBe('700.00 USD');
    await screenshot('collections');
  });

  it('hides the actions from a collector', async () => {
    await signOut();
    await signInAs(collector);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bank' }).count()).toBe(0);
    await page.goto(`${server.url}/cash?company=${company}&status=suspense`);
    const row = page.locator('table.queue tbody tr[data-entry]').first();
    await row.locator('button').first().click();
    await page.locator('[data-detail]').waitFor();
    expect(await page.getByRole('button', { name: 'Confirm' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Reject' }).count()).toBe(0);
    await page.getByText('Your role cannot confirm or reject credits.').waitFor();
  });
});
