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
let accountant: TestUser;
let financeUser: TestUser;
let customerId: string;
let invoiceItemId: string;
let receiptId: string;

const haveChromium = chromiumAvailable();
const company = 'RCP1';
const invoiceNumber = '90007001';
/** The invoice in cents, and the receipt that pays part of it. */
const invoiceAmount = 80_000n;
const receiptAmount = '312.45';

beforeAll(async () => {
  if (!haveChromium) return;
  await ensureWebAppBuilt();
  server = await startServer();
  await applyImport(server.db, { kind: 'test', file: 'receipts-browser', sha256: 'receipts-browser' }, [
    {
      company: { code: company, name: 'Receipts Browser Inc', currency: 'USD' },
      customers: [
        { customerNumber: 'R100', name: 'Ridgeway Hardware', region: 'NORTH', country: 'US', collector: 'nora' },
        { customerNumber: 'S200', name: 'Southgate Tiles', region: 'SOUTH', country: 'US' },
      ],
      items: [
        {
          customerNumber: 'R100',
          kind: 'invoice',
          documentNumber: invoiceNumber,
          erpKey: invoiceNumber,
          documentDate: '2026-05-01',
          postingDate: '2026-05-01',
          dueDate: '2026-05-31',
          currency: 'USD',
          amount: invoiceAmount,
        },
        {
          customerNumber: 'S200',
          kind: 'invoice',
          documentNumber: '90007002',
          erpKey: '90007002',
          documentDate: '2026-05-01',
          postingDate: '2026-05-01',
          dueDate: '2026-05-31',
          currency: 'USD',
          amount: 12_000n,
        },
      ],
      allocations: [],
      rowCount: 2,
    },
  ]);
  accountant = await createTestUser(server.db, { role: 'regional_accountant', name: 'Nadia North', companies: [company], regions: ['NORTH'] });
  financeUser = await createTestUser(server.db, { role: 'finance', name: 'Felix Finance' });
  browser = await launchBrowser();
  page = await openPage(browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function apiGet<T>(path: string, user: TestUser = financeUser): Promise<T> {
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

async function invoiceOpen(): Promise<bigint> {
  const { items } = await apiGet<{ items: { itemId: string; documentNumber: string; openAmount: string }[] }>(
    `/customers/${customerId}/items?company=${company}&status=all`,
  );
  const invoice = items.find((item) => item.documentNumber === invoiceNumber);
  expect(invoice, `invoice ${invoiceNumber} is listed`).toBeDefined();
  invoiceItemId = invoice!.itemId;
  return cents(invoice!.openAmount);
}

interface ReceiptJson {
  id: string;
  status: string;
  amount: string;
  enteredBy: string;
  decidedBy: string | null;
  paymentItemId: string | null;
  lines: { itemId: string; amount: string }[];
}

async function receipts(user: TestUser): Promise<ReceiptJson[]> {
  return (await apiGet<{ receipts: ReceiptJson[] }>(`/cash-receipts?company=${company}`, user)).receipts;
}

async function signIn(user: TestUser): Promise<void> {
  await signInWithForm(page, server.url, user);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cash receipts' }).click();
  await page.getByRole('heading', { name: 'Cash receipts' }).waitFor();
  await page.getByLabel('Company').selectOption(company);
}

describe.skipIf(!haveChromium)('regional cash receipts in Chromium', { timeout: 120_000 }, () => {
  it('lets a regional accountant enter a receipt that pays an invoice', async () => {
    const customers = await apiGet<{ customers: { customerId: string; customerNumber: string }[] }>(`/customers?company=${company}`);
    customerId = customers.customers.find((entry) => entry.customerNumber === 'R100')!.customerId;
    expect(await invoiceOpen()).toBe(invoiceAmount);

    await signIn(accountant);
    await page.getByText('Enter a receipt').click();
    await page.getByLabel('Customer', { exact: true }).fill('Ridgeway');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('button[data-pick="R100"]').click();
    expect(await page.locator('[data-chosen-customer]').innerText()).toContain('R100');
    await page.getByLabel('Kind').selectOption('transfer');
    await page.getByLabel('Amount', { exact: true }).fill(receiptAmount);
    await page.getByLabel('Currency').fill('USD');
    await page.getByLabel('Receipt date').fill('2026-06-03');
    await page.getByLabel('Reference').fill('TRF-551');
    await page.getByLabel(`Pay on ${invoiceNumber}`).fill(receiptAmount);
    expect((await page.locator('[data-receipt-left]').innerText()).replace(/\s+/g, ' ')).toContain('left as unapplied cash: 0.00 USD');
    await page.getByRole('button', { name: 'Enter receipt' }).click();
    await page.getByRole('status').waitFor();

    const entered = (await receipts(accountant)).filter((receipt) => receipt.status === 'pending');
    expect(entered).toHaveLength(1);
    receiptId = entered[0]!.id;
    expect(entered[0]).toMatchObject({ amount: receiptAmount, enteredBy: accountant.email, paymentItemId: null });
    expect(entered[0]!.lines).toEqual([{ itemId: invoiceItemId, documentNumber: invoiceNumber, amount: receiptAmount }]);
    // A pending receipt changes no balance.
    expect(await invoiceOpen()).toBe(invoiceAmount);

    const mine = page.getByRole('table', { name: 'Your pending receipts' }).locator(`tr[data-receipt="${receiptId}"]`);
    await mine.waitFor();
    expect(await mine.innerText()).toContain('awaiting approval');
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await screenshot('cash-receipts-entered');
  });

  it('shows an approver no Approve button on their own receipt', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/cash-receipts',
      headers: bearer(financeUser.token),
      payload: { company, customerNumber: 'S200', kind: 'cash', currency: 'USD', amount: '20.00', date: '2026-06-03' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const own = response.json<{ receipt: ReceiptJson }>().receipt;

    await signIn(financeUser);
    const ownRow = page.getByRole('table', { name: 'Your pending receipts' }).locator(`tr[data-receipt="${own.id}"]`);
    await ownRow.waitFor();
    expect(await ownRow.getByRole('button').count()).toBe(0);
    const other = page.getByRole('table', { name: 'Receipts waiting for your approval' }).locator(`tr[data-receipt="${receiptId}"]`);
    await other.waitFor();
    expect(await other.getByRole('button', { name: 'Approve' }).count()).toBe(1);
    // The server rejects the decision as well.
    const denied = await server.app.inject({ method: 'POST', url: `/api/v1/cash-receipts/${own.id}/approve`, headers: bearer(financeUser.token), payload: {} });
    expect(denied.statusCode).toBe(403);
  });

  it('lets a finance user approve the receipt, which posts it', async () => {
    const row = page.locator(`tr[data-receipt="${receiptId}"]`);
    await row.getByRole('button', { name: 'Approve' }).click();
    await row.waitFor({ state: 'detached' });

    const approved = (await receipts(financeUser)).find((receipt) => receipt.id === receiptId)!;
    expect(approved.status).toBe('approved');
    expect(approved.decidedBy).toBe(financeUser.email);
    expect(approved.paymentItemId).not.toBeNull();
    expect(await invoiceOpen()).toBe(invoiceAmount - cents(receiptAmount));

    await page.getByRole('tab', { name: 'Approved' }).click();
    const listed = page.getByRole('table', { name: 'Approved receipts' }).locator(`tr[data-receipt="${receiptId}"]`);
    await listed.waitFor();
    expect(await listed.innerText()).toContain(`approved by ${financeUser.email}`);
    await screenshot('cash-receipts-approved');
  });

  it('rejects a receipt with a reason', async () => {
    await page.getByRole('tab', { name: 'Pending' }).click();
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/cash-receipts',
      headers: bearer(accountant.token),
      payload: { company, customerNumber: 'R100', kind: 'cash', currency: 'USD', amount: '5.00', date: '2026-06-04' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const id = response.json<{ receipt: ReceiptJson }>().receipt.id;
    await page.reload();
    const row = page.locator(`tr[data-receipt="${id}"]`);
    await row.getByRole('button', { name: 'Reject', exact: true }).click();
    await row.getByLabel('Reason').fill('slip missing');
    await row.getByRole('button', { name: 'Reject receipt' }).click();
    await row.waitFor({ state: 'detached' });
    const rejected = (await receipts(financeUser)).find((receipt) => receipt.id === id)!;
    expect(rejected.status).toBe('rejected');
    expect(rejected.paymentItemId).toBeNull();
    expect(await invoiceOpen()).toBe(invoiceAmount - cents(receiptAmount));
  });
});
