import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/auth/actor.js';
import { setContact } from '../../src/collections/contacts.js';
import { setDunningLevels, type DunningLevelsJson } from '../../src/collections/dunning-levels.js';
import { applyImport, getCompany } from '../../src/ledger/index.js';
import { bearer, createTestUser, type TestUser } from '../helpers/auth.js';
import { startLocalSmtp, type LocalSmtp } from '../helpers/smtp.js';
import { chromiumAvailable, ensureWebAppBuilt, launchBrowser, screenshotDir, startServer, type TestBrowser, type TestServer } from './harness.js';
import { openPage, signInWithForm } from './session.js';

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let smtp: LocalSmtp;
let collector: TestUser;
let manager: TestUser;
let runId = '';

const haveChromium = chromiumAvailable();
const company = 'DUN1';
const savedEnv = { url: process.env.ARDESK_SMTP_URL, from: process.env.ARDESK_MAIL_FROM };

beforeAll(async () => {
  if (!haveChromium) return;
  await ensureWebAppBuilt();
  server = await startServer();
  smtp = await startLocalSmtp();
  // The server reads the mail server from the environment when it sends.
  process.env.ARDESK_SMTP_URL = smtp.url;
  process.env.ARDESK_MAIL_FROM = 'Credit Control <ar@dunning.example>';
  const invoice = (customerNumber: string, documentNumber: string, amount: bigint) => ({
    customerNumber,
    kind: 'invoice' as const,
    documentNumber,
    erpKey: documentNumber,
    documentDate: '2026-01-10',
    postingDate: '2026-01-10',
    dueDate: '2026-02-09',
    currency: 'USD',
    amount,
  });
  await applyImport(server.db, { kind: 'test', file: 'dunning-browser', sha256: 'dunning-browser' }, [
    {
      company: { code: company, name: 'Dunning Browser Trading', currency: 'USD' },
      customers: [
        { customerNumber: 'D100', name: 'Harbour Paints' },
        { customerNumber: 'D200', name: 'Lakeside Tiles' },
      ],
      items: [invoice('D100', '91001', 150_000n), invoice('D200', '91002', 20_000n)],
      allocations: [],
      rowCount: 2,
    },
  ]);
  const dunningCompany = await getCompany(server.db, company);
  const levels = JSON.parse(await readFile(new URL('../../examples/dunning/levels.json', import.meta.url), 'utf8')) as DunningLevelsJson;
  await setDunningLevels(server.db, dunningCompany.companyId, levels, cliActor());
  const customer = await server.db.query<{ customer_id: bigint }>(
    `select customer_id from customer where company_id = $1 and customer_number = 'D100'`,
    [dunningCompany.companyId],
  );
  await setContact(server.db, dunningCompany.companyId, { customerId: customer.rows[0]!.customer_id, email: 'ap@harbour.example' }, cliActor());
  collector = await createTestUser(server.db, { role: 'collector', name: 'Cora Collector' });
  manager = await createTestUser(server.db, { role: 'credit_manager', name: 'Milo Manager' });
  browser = await launchBrowser();
  page = await openPage(browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.close();
  if (savedEnv.url === undefined) delete process.env.ARDESK_SMTP_URL;
  else process.env.ARDESK_SMTP_URL = savedEnv.url;
  if (savedEnv.from === undefined) delete process.env.ARDESK_MAIL_FROM;
  else process.env.ARDESK_MAIL_FROM = savedEnv.from;
});

async function signIn(user: TestUser): Promise<void> {
  await signInWithForm(page, server.url, user);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dunning' }).click();
  await page.getByRole('heading', { name: 'Dunning', exact: true }).waitFor();
  await page.getByLabel('Company').selectOption(company);
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

interface RunJson {
  runId: string;
  status: string;
  createdBy: string;
  approvableByYou: boolean;
  letters: { customerNumber: string; status: string; level: number; toAddress: string | null }[];
}

async function runAs(user: TestUser): Promise<RunJson> {
  const response = await server.app.inject({ method: 'GET', url: `/api/v1/dunning/runs/${runId}`, headers: bearer(user.token) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ run: RunJson }>().run;
}

describe.skipIf(!haveChromium)('dunning in Chromium', { timeout: 120_000 }, () => {
  it('lets a collector create a run that waits for approval', async () => {
    await signIn(collector);
    await page.getByLabel('As of').fill('2026-03-01');
    await page.getByRole('button', { name: 'Create run' }).click();
    const letters = page.getByRole('table', { name: 'Letters' });
    await letters.waitFor();
    runId = /run=(\d+)/.exec(page.url())![1]!;
    const run = await runAs(collector);
    expect(run.createdBy).toBe(collector.email);
    // D100: 20 days past due, level 1; D200 likewise.
    expect(run.letters.map((letter) => [letter.customerNumber, letter.level, letter.status])).toEqual([
      ['D100', 1, 'proposed'],
      ['D200', 1, 'proposed'],
    ]);
    expect(await letters.locator('tr[data-letter="D100"]').innerText()).toContain('1,510.00');
    expect(await page.getByRole('button', { name: 'Approve run' }).count()).toBe(0);
    await screenshot('dunning-created');
  });

  it('lets a credit manager approve and send it', async () => {
    await signIn(manager);
    await page.getByRole('button', { name: `Run ${runId}` }).click();
    await page.getByRole('button', { name: 'Approve run' }).click();
    await page.getByText(`Approved by ${manager.email}`).waitFor();
    expect((await runAs(manager)).status).toBe('approved');

    await page.getByRole('button', { name: 'Send letters' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent 1' }).waitFor();
    const row = page.getByRole('table', { name: 'Letters' }).locator('tr[data-letter="D100"]');
    await row.locator('[data-status="sent"]').waitFor();
    expect(await row.innerText()).toContain('ap@harbour.example');
    expect(await page.getByRole('table', { name: 'Letters' }).locator('tr[data-letter="D200"] [data-status="approved"]').count()).toBe(1);

    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.envelopeTo).toEqual(['ap@harbour.example']);
    expect(smtp.messages[0]!.parsed.attachments[0]!.filename).toBe('dunning-DUN1-D100-2026-03-01-L1.pdf');
    const run = await runAs(manager);
    expect(run.letters.find((letter) => letter.customerNumber === 'D100')).toMatchObject({ status: 'sent', toAddress: 'ap@harbour.example' });
    await screenshot('dunning-sent');

    // A run the manager creates shows the manager no Approve button.
    await page.getByLabel('As of').fill('2026-03-20');
    await page.getByRole('button', { name: 'Create run' }).click();
    await page.getByText('You created this run: another person approves it.').waitFor();
    expect(await page.getByRole('button', { name: 'Approve run' }).count()).toBe(0);
    await page.getByRole('button', { name: `Run ${runId}` }).click();

    const sentRow = page.getByRole('table', { name: 'Letters' }).locator('tr[data-letter="D100"]');
    await sentRow.locator('[data-status="sent"]').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), sentRow.getByRole('link', { name: 'PDF' }).click()]);
    expect(download.suggestedFilename()).toBe('dunning-DUN1-D100-2026-03-01-L1.pdf');
    const file = await download.path();
    expect((await readFile(file)).subarray(0, 5).toString()).toBe('%PDF-');
  });
});
