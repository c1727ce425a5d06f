import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/auth/index.js';
import { addBankAccount } from '../../src/cash/accounts.js';
import { applyImport, getCompany } from '../../src/ledger/index.js';
import { bearer, createTestUser, type TestUser } from '../helpers/auth.js';
import { chromiumAvailable, ensureWebAppBuilt, launchBrowser, screenshotDir, startServer, type TestBrowser, type TestServer } from './harness.js';

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let accountant: TestUser;
let bankAccountId: number;
let customerId: string;

const haveChromium = chromiumAvailable();
const company = 'CHK1';
const checkNumber = 'CHQ-000417';

beforeAll(async () => {
  if (!haveChromium) return;
  await ensureWebAppBuilt();
  server = await startServer();
  await applyImport(server.db, { kind: 'test', file: 'checks-browser', sha256: 'checks-browser' }, [
    {
      company: { code: company, name: 'Check Browser Inc', currency: 'USD' },
      customers: [{ customerNumber: 'K100', name: 'Kestrel Building Supply', region: 'WEST', country: 'US' }],
      items: [
        {
          customerNumber: 'K100',
          kind: 'invoice',
          documentNumber: '90005001',
          erpKey: '90005001',
          documentDate: '2026-05-01',
          postingDate: '2026-05-01',
          dueDate: '2026-05-31',
          currency: 'USD',
          amount: 50_000n,
        },
      ],
      allocations: [],
      rowCount: 1,
    },
  ]);
  const account = await addBankAccount(
    server.db,
    await getCompany(server.db, company),
    { bank: 'Deposit Bank', accountNumber: 'US22DEPO0001', currency: 'USD' },
    cliActor(),
  );
  bankAccountId = account.bankAccountId;
  accountant = await createTestUser(server.db, { role: 'regional_accountant', name: 'Rita Regional', companies: [company], regions: ['WEST'] });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function apiGet<T>(path: string): Promise<T> {
  const response = await server.app.inject({ method: 'GET', url: `/api/v1${path}`, headers: bearer(accountant.token) });
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

async function balance(): Promise<bigint> {
  return cents((await apiGet<{ balance: string }>(`/customers/${customerId}?company=${company}`)).balance);
}

interface CheckJson {
  checkId: string;
  checkNumber: string;
  status: string;
  amount: string;
  chargeItemId: string | null;
  slipId: string | null;
  depositedDate: string | null;
}

async function theCheck(): Promise<CheckJson> {
  const { checks } = await apiGet<{ checks: CheckJson[] }>(`/checks?company=${company}`);
  const check = checks.find((entry) => entry.checkNumber === checkNumber);
  expect(check, `check ${checkNumber} is registered`).toBeDefined();
  return check!;
}

/** Opens a check's actions, sets the date, and runs one action. */
async function act(action: string, date: string, fill?: (row: ReturnType<Page['locator']>) => Promise<void>): Promise<void> {
  const row = page.locator(`tr[data-check="${checkNumber}"]`);
  await row.getByRole('button', { name: 'Actions' }).click();
  const form = page.locator(`[data-actions="${checkNumber}"]`);
  await form.getByLabel('Date').fill(date);
  await fill?.(form);
  await form.getByRole('button', { name: action, exact: true }).click();
  await form.waitFor({ state: 'detached' });
}

describe.skipIf(!haveChromium)('check register in Chromium', { timeout: 120_000 }, () => {
  it('registers a check on the page', async () => {
    const customers = await apiGet<{ customers: { customerId: string; customerNumber: string }[] }>(`/customers?company=${company}`);
    customerId = customers.customers.find((entry) => entry.customerNumber === 'K100')!.customerId;
    expect(await balance()).toBe(50_000n);

    await page.goto(server.url);
    await page.getByLabel('Email').fill(accountant.email);
    await page.getByLabel('Password').fill(accountant.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Checks' }).click();
    await page.getByRole('heading', { name: 'Checks' }).waitFor();
    await page.getByLabel('Company').selectOption(company);
    await page.getByText('Register a check').click();
    await page.getByLabel('Customer', { exact: true }).fill('Kestrel');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('button[data-pick="K100"]').click();
    expect(await page.locator('[data-chosen-customer]').innerText()).toContain('K100');
    expect(await page.locator('button[data-pick]').count()).toBe(0);
    await page.getByLabel('Check number').fill(checkNumber);
    await page.getByLabel('Drawer', { exact: true }).fill('Kestrel Building Supply');
    await page.getByLabel("Drawer's bank").fill('Western Mutual');
    await page.getByLabel('Amount').fill('200.00');
    await page.getByLabel('Currency').fill('USD');
    await page.getByLabel('Issued').fill('2026-06-01');
    await page.getByLabel('Matures').fill('2026-06-01');
    await page.getByLabel('Received').fill('2026-06-01');
    await page.getByRole('button', { name: 'Register check' }).click();
    await page.locator(`tr[data-check="${checkNumber}"][data-status="received"]`).waitFor();
    const check = await theCheck();
    expect(check).toMatchObject({ status: 'received', amount: '200.00' });
    // A check on hand pays nothing yet.
    expect(await balance()).toBe(50_000n);
    await screenshot('checks-registered');
  });

  it('lowers the balance on clearing', async () => {
    await act('Deposit', '2026-06-02', async (form) => {
      await form.getByLabel('Deposit to account').selectOption(String(bankAccountId));
    });
    await page.locator(`tr[data-check="${checkNumber}"][data-status="deposited"]`).waitFor();
    expect((await theCheck()).status).toBe('deposited');
    expect(await balance()).toBe(50_000n);

    await act('Clear', '2026-06-05');
    await page.locator(`tr[data-check="${checkNumber}"][data-status="cleared"]`).waitFor();
    expect((await theCheck()).status).toBe('cleared');
    expect(await balance()).toBe(50_000n - 20_000n);
    await screenshot('checks-cleared');
  });

  it('restores the balance on return', async () => {
    await act('Return', '2026-06-09', async (form) => {
      await form.getByLabel('Return reason').selectOption('insufficient_funds');
    });
    await page.locator(`tr[data-check="${checkNumber}"][data-status="returned"]`).waitFor();
    const check = await theCheck();
    expect(check.status).toBe('returned');
    let charge = 0n;
    if (check.chargeItemId !== null) {
      const items = await apiGet<{ items: { itemId: string; amount: string }[] }>(`/customers/${customerId}/items?company=${company}&status=all`);
      charge = cents(items.items.find((item) => item.itemId === check.chargeItemId)!.amount);
    }
    expect(await balance()).toBe(50_000n + charge);

    await page.getByRole('tab', { name: 'Returned' }).click();
    const row = page.locator('tr[data-returned="K100"]');
    await row.waitFor();
    expect(await row.innerText()).toContain('insufficient funds');
    await screenshot('checks-returned');
  });

  it('shows the maturity schedule', async () => {
    await page.getByRole('tab', { name: 'Register' }).click();
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/checks',
      headers: bearer(accountant.token),
      payload: {
        company,
        customerId,
        drawer: 'Kestrel Building Supply',
        drawerBank: 'Western Mutual',
        checkNumber: 'CHQ-000418',
        currency: 'USD',
        amount: '125.50',
        issueDate: '2026-06-01',
        maturityDate: '2027-01-15',
        receivedDate: '2026-06-01',
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    await page.getByRole('tab', { name: 'Maturity schedule' }).click();
    await page.getByLabel('Group by').selectOption('month');
    const table = page.locator('table.schedule');
    await table.waitFor();
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('2027-01');
    expect(rows[0]!.replace(/\s+/g, ' ')).toContain('125.50 USD');
    expect(await page.locator('figure.chart svg rect').count()).toBe(1);
    await screenshot('checks-schedule');
  });

  it('deposits two checks on one slip', async () => {
    // Two checks due by 2026-06-10 are registered through the API, and the page puts them on one slip.
    const slipChecks = [
      { checkNumber: 'CHQ-000501', amount: '310.25' },
      { checkNumber: 'CHQ-000502', amount: '89.90' },
    ];
    for (const entry of slipChecks) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/api/v1/checks',
        headers: bearer(accountant.token),
        payload: {
          company,
          customerId,
          drawer: 'Kestrel Building Supply',
          drawerBank: 'Western Mutual',
          checkNumber: entry.checkNumber,
          currency: 'USD',
          amount: entry.amount,
          issueDate: '2026-06-01',
          maturityDate: '2026-06-08',
          receivedDate: '2026-06-01',
        },
      });
      expect(response.statusCode, response.body).toBe(201);
    }
    await page.goto(`${server.url}/checks?company=${company}&view=to-deposit&date=2026-06-10`);
    for (const entry of slipChecks) {
      await page.locator(`tr[data-check="${entry.checkNumber}"]`).waitFor();
      await page.getByLabel(`Put check ${entry.checkNumber} on the slip`).check();
    }
    const form = page.getByRole('form', { name: 'Deposit slip' });
    // 310.25 + 89.90, added by hand.
    expect((await form.locator('[data-slip-selection]').innerText()).replace(/\s+/g, ' ')).toContain('2 checks, 400.15 USD');
    await form.getByLabel('Bank account').selectOption(String(bankAccountId));
    await form.getByLabel('Slip date').fill('2026-06-10');
    await form.getByLabel('Slip reference').fill('SLIP-7');
    await form.getByRole('button', { name: 'Create deposit slip' }).click();
    await form.getByRole('status').waitFor();
    for (const entry of slipChecks) await page.locator(`tr[data-check="${entry.checkNumber}"]`).waitFor({ state: 'detached' });
    await screenshot('checks-slip-created');

    const { checks } = await apiGet<{ checks: CheckJson[] }>(`/checks?company=${company}`);
    const deposited = slipChecks.map((entry) => checks.find((check) => check.checkNumber === entry.checkNumber)!);
    for (const check of deposited) {
      expect(check).toMatchObject({ status: 'deposited', depositedDate: '2026-06-10' });
    }
    expect(deposited[0]!.slipId).not.toBeNull();
    expect(deposited[1]!.slipId).toBe(deposited[0]!.slipId);
    const { slips } = await apiGet<{ slips: { slipId: string; date: string; total: string; bankAccountId: number; checks: CheckJson[] }[] }>(
      `/deposit-slips?company=${company}`,
    );
    const slip = slips.find((entry) => entry.slipId === deposited[0]!.slipId);
    expect(slip).toBeDefined();
    expect(slip!.date).toBe('2026-06-10');
    expect(slip!.bankAccountId).toBe(bankAccountId);
    expect(slip!.checks.map((check) => check.checkNumber).sort()).toEqual(slipChecks.map((entry) => entry.checkNumber));
    expect(cents(slip!.total)).toBe(slipChecks.reduce((sum, entry) => sum + cents(entry.amount), 0n));

    await page.getByRole('tab', { name: 'Deposit slips' }).click();
    const row = page.locator(`tr[data-slip="${slip!.slipId}"]`);
    await row.waitFor();
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('CHQ-000501');
    expect(text).toContain('400.15 USD');
    await screenshot('checks-slips');
  });
});
