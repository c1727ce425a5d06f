import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/auth/actor.js';
import { parseStrategyFile, saveStrategy } from '../../src/collections/strategies.js';
import { applyImport, getCompany } from '../../src/ledger/index.js';
import { addDays } from '../../src/shared/dates.js';
import { bearer, createTestUser, type TestUser } from '../helpers/auth.js';
import { chromiumAvailable, ensureWebAppBuilt, launchBrowser, screenshotDir, startServer, type TestBrowser, type TestServer } from './harness.js';
import { openPage, signInWithForm } from './session.js';

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let collector: TestUser;
let manager: TestUser;

const haveChromium = chromiumAvailable();
const company = 'WLB';
// The worklist is read for today and tomorrow as the server's clock has them (UTC).
const today = new Date().toISOString().slice(0, 10);
const tomorrow = addDays(today, 1);

beforeAll(async () => {
  if (!haveChromium) return;
  await ensureWebAppBuilt();
  server = await startServer();
  const invoice = (customer: string, document: string, daysLate: number, amount: bigint) => ({
    customerNumber: customer,
    kind: 'invoice' as const,
    documentNumber: document,
    erpKey: document,
    documentDate: addDays(today, -daysLate - 30),
    postingDate: addDays(today, -daysLate - 30),
    dueDate: addDays(today, -daysLate),
    currency: 'EUR',
    amount,
  });
  await applyImport(server.db, { kind: 'test', file: 'worklist-browser', sha256: 'worklist-browser' }, [
    {
      company: { code: company, name: 'Worklist Browser GmbH', currency: 'EUR' },
      customers: [
        { customerNumber: 'W100', name: 'Weber Maschinen', region: 'NORTH', collector: 'Nora Collector' },
        { customerNumber: 'W200', name: 'Wolf Logistik', region: 'NORTH', collector: 'Nora Collector' },
        { customerNumber: 'W300', name: 'Vogel Bau', region: 'NORTH', collector: 'Otto Other' },
      ],
      items: [
        // W100: 60,000.00 overdue 90 days: 24.00 + 15.00 + letter 10 = 49.00.
        invoice('W100', 'INV-W100', 90, 60_000_00n),
        // W200: 5,000.00 overdue 10 days: 2.00 + 1.67 + call 10 = 13.67.
        invoice('W200', 'INV-W200', 10, 5_000_00n),
        invoice('W300', 'INV-W300', 20, 9_000_00n),
      ],
      allocations: [],
      rowCount: 3,
    },
  ]);
  const ledgerCompany = await getCompany(server.db, company);
  const strategy = {
    code: 'STD',
    name: 'Standard',
    isDefault: true,
    steps: [
      { action: 'call', daysFrom: 1, daysTo: 30 },
      { action: 'letter', daysFrom: 31 },
    ],
  };
  await saveStrategy(server.db, ledgerCompany, parseStrategyFile(strategy, 2), cliActor());
  collector = await createTestUser(server.db, { role: 'collector', name: 'Nora Collector', companies: [company] });
  manager = await createTestUser(server.db, { role: 'credit_manager', name: 'Carla Manager' });
  browser = await launchBrowser();
  page = await openPage(browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(user: TestUser): Promise<void> {
  await signInWithForm(page, server.url, user);
}

async function apiGet<T>(path: string, user: TestUser): Promise<T> {
  const response = await server.app.inject({ method: 'GET', url: `/api/v1${path}`, headers: bearer(user.token) });
  expect(response.statusCode, `${path}: ${response.body}`).toBe(200);
  return response.json<T>();
}

function row(customer: string) {
  return page.locator(`tr[data-customer="${customer}"]`);
}

describe.skipIf(!haveChromium)('worklist in Chromium', { timeout: 120_000 }, () => {
  it('ranks a collector’s customers and shows the score parts', async () => {
    await signIn(collector);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Worklist' }).click();
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    await row('W100').waitFor();
    const order = await page.locator('tr[data-customer]').evaluateAll((rows) => rows.map((element) => element.getAttribute('data-customer')));
    // W300 belongs to another collector.
    expect(order).toEqual(['W100', 'W200']);
    await expect(row('W100').locator('[data-part="amount"]').textContent()).resolves.toBe('24.00');
    await expect(row('W100').locator('[data-part="days"]').textContent()).resolves.toBe('15.00');
    await expect(row('W100').locator('[data-part="step"]').textContent()).resolves.toBe('10.00');
    await expect(row('W100').locator('[data-part="score"]').textContent()).resolves.toBe('49.00');
    await expect(row('W200').locator('[data-part="score"]').textContent()).resolves.toBe('13.67');
    await expect(row('W200').textContent()).resolves.toContain('Call');
    await page.screenshot({ path: join(screenshotDir, 'worklist-collector.png'), fullPage: true });
  });

  it('logs a call with a promise', async () => {
    await row('W200').getByRole('button', { name: 'Log call' }).click();
    const form = page.getByRole('form', { name: 'Log call with W200' });
    await form.getByLabel('Contact').fill('Mr Wolf');
    await form.getByLabel('Note').fill('pays after the audit');
    await form.getByLabel('Promise to pay').check();
    await form.getByLabel('Promised amount (EUR)').fill('2500.00');
    await form.getByLabel('Promised date').fill(addDays(today, 7));
    await form.getByRole('button', { name: 'Save call' }).click();
    await page.getByRole('status').filter({ hasText: 'logged with a promise to pay 2500.00 EUR' }).waitFor();
    // The call did the step, so W200 leaves today's list.
    await row('W200').waitFor({ state: 'detached' });

    const customers = await apiGet<{ customers: { customerId: string; customerNumber: string }[] }>(`/customers?company=${company}`, manager);
    const w200 = customers.customers.find((customer) => customer.customerNumber === 'W200')!;
    const promises = await apiGet<{ promises: { amount: string; promisedDate: string; activityId: string | null }[] }>(`/promises?company=${company}`, manager);
    expect(promises.promises).toEqual([expect.objectContaining({ amount: '2500.00', promisedDate: addDays(today, 7) })]);
    expect(promises.promises[0]!.activityId).not.toBeNull();

    await page.goto(`${server.url}/customers/${w200.customerId}?company=${company}`);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.locator('li[data-kind="activity"]').waitFor();
    await expect(timeline.locator('li[data-kind="activity"]').textContent()).resolves.toContain('call · promised · Mr Wolf');
    await expect(timeline.locator('li[data-kind="promise"]').textContent()).resolves.toContain(`promised for ${addDays(today, 7)}`);
    await expect(timeline.locator('li[data-kind="item"]').textContent()).resolves.toContain('INV-W200');
    await page.screenshot({ path: join(screenshotDir, 'worklist-timeline.png'), fullPage: true });
  });

  it('changes tomorrow’s worklist when a strategy step is edited', async () => {
    await signIn(manager);
    await page.goto(`${server.url}/worklist?company=${company}&date=${tomorrow}&collector=Otto%20Other`);
    await row('W300').waitFor();
    await expect(row('W300').textContent()).resolves.toContain('Call');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Strategies' }).click();
    await page.getByLabel('Company').selectOption(company);
    await page.getByRole('button', { name: 'Edit STD' }).click();
    const form = page.getByRole('form', { name: 'Edit strategy STD' });
    await form.getByLabel('Step 1 action').selectOption('visit');
    await form.getByLabel('Step 1 weight').fill('30');
    await form.getByRole('button', { name: 'Save strategy' }).click();
    await page.getByText('Version 2, saved by').waitFor();

    await page.goto(`${server.url}/worklist?company=${company}&date=${tomorrow}&collector=Otto%20Other`);
    await row('W300').waitFor();
    await expect(row('W300').textContent()).resolves.toContain('Visit');
    await expect(row('W300').locator('[data-part="step"]').textContent()).resolves.toBe('30.00');
    await page.screenshot({ path: join(screenshotDir, 'worklist-edited-strategy.png'), fullPage: true });
  });
});
