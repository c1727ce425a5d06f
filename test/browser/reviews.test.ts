import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unrestricted, type Actor } from '../../src/auth/types.js';
import { openDispute } from '../../src/collections/disputes.js';
import { applyImport, getCompany, type OpenItemInput } from '../../src/ledger/index.js';
import { createTestUser, type TestUser } from '../helpers/auth.js';
import { chromiumAvailable, ensureWebAppBuilt, launchBrowser, screenshotDir, startServer, type TestBrowser, type TestServer } from './harness.js';
import { openPage, signInWithForm } from './session.js';

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let manager: TestUser;
let collector: TestUser;

const haveChromium = chromiumAvailable();
const company = 'RVB1';

function invoice(customerNumber: string, documentNumber: string, due: string, amount: bigint): OpenItemInput {
  return {
    customerNumber,
    kind: 'invoice',
    documentNumber,
    erpKey: documentNumber,
    documentDate: '2026-01-02',
    postingDate: '2026-01-02',
    dueDate: due,
    currency: 'USD',
    amount,
  };
}

beforeAll(async () => {
  if (!haveChromium) return;
  await ensureWebAppBuilt();
  server = await startServer();
  await applyImport(server.db, { kind: 'test', file: 'reviews-browser', sha256: 'reviews-browser' }, [
    {
      company: { code: company, name: 'Review Browser Inc', currency: 'USD' },
      customers: [
        { customerNumber: 'B1', name: 'Bluebird Hardware', region: 'Coast' },
        { customerNumber: 'B2', name: 'Birch Lumber', region: 'Coast' },
      ],
      items: [invoice('B1', 'B1-1', '2026-02-01', 250_000n), invoice('B2', 'B2-1', '2026-03-01', 40_050n)],
      allocations: [],
      rowCount: 2,
    },
  ]);
  const companyId = (await getCompany(server.db, company)).companyId;
  const item = await server.db.query<{ item_id: bigint; customer_id: bigint }>(
    "select item_id, customer_id from open_item where company_id = $1 and document_number = 'B1-1'",
    [companyId],
  );
  const actor: Actor = { userId: null, email: 'setup@example.com', role: 'admin', scope: unrestricted, via: 'cli' };
  const { item_id: itemId, customer_id: customerId } = item.rows[0]!;
  await openDispute(server.db, companyId, { customerId, reason: 'price', department: 'sales', date: '2026-02-10', items: [{ itemId, amount: 60_000n }] }, actor);
  manager = await createTestUser(server.db, { role: 'credit_manager', name: 'Maya Manager' });
  collector = await createTestUser(server.db, { role: 'collector', name: 'Colin Collector' });
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

describe.skipIf(!haveChromium)('overdue reviews in Chromium', { timeout: 120_000 }, () => {
  it('shows the disputed column on the aging page', async () => {
    await signIn(manager);
    await page.goto(`${server.url}/aging?company=${company}&by=customer&asOf=2026-03-31`);
    const disputed = page.locator('table.aging tbody tr[data-row="B1"] td.disputed');
    await disputed.waitFor();
    // 600.00 of B1-1's 2,500.00 is in dispute; B2 has none.
    expect(await disputed.getAttribute('data-disputed')).toBe('600.00');
    expect(await page.locator('table.aging tbody tr[data-row="B2"] td.disputed').getAttribute('data-disputed')).toBe('0.00');
    expect(await page.locator('table.aging tfoot td.disputed').getAttribute('data-disputed')).toBe('600.00');
  });

  it('creates a review and records an action', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reviews' }).click();
    await page.getByRole('heading', { name: 'Overdue reviews' }).waitFor();
    await page.getByLabel('Company').selectOption(company);
    await page.getByLabel('Region').fill('Coast');
    await page.getByLabel('Review date').fill('2026-03-31');
    await page.getByRole('button', { name: 'Create review' }).click();
    await page.locator('tr[data-customer="B1"]').waitFor();
    expect(await page.locator('tr[data-customer]').count()).toBe(2);
    expect(await page.locator('tr[data-customer="B1"]').innerText()).toContain('Bluebird Hardware');
    // 2,500.00 + 400.50 past due on 2026-03-31.
    expect(await page.locator('table[data-totals]').innerText()).toContain('2,900.50');
    const pdfLink = page.getByRole('link', { name: 'Download the PDF pack' });
    expect(await pdfLink.getAttribute('href')).toMatch(/^\/api\/v1\/reviews\/\d+\/pdf$/);

    await page.getByLabel('Customer', { exact: true }).selectOption('B2');
    await page.getByLabel('Action', { exact: true }).fill('Call the owner about B2-1');
    await page.getByLabel('Owner (email)').fill('colin@example.com');
    await page.getByLabel('Due', { exact: true }).fill('2026-04-07');
    await page.getByRole('button', { name: 'Add action' }).click();
    const action = page.locator('tr[data-action]');
    await action.waitFor();
    expect(await action.innerText()).toContain('Call the owner about B2-1');
    await action.getByRole('button', { name: 'Mark done' }).click();
    await expect.poll(() => action.innerText()).toContain('done');
    await page.screenshot({ path: join(screenshotDir, 'review.png'), fullPage: true });
  });

  it('hides reviews from a collector', async () => {
    await page.context().clearCookies();
    await signIn(collector);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reviews' }).count()).toBe(0);
  });
});
