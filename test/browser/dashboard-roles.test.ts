import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, type TestUser } from '../helpers/auth.js';
import {
  chromiumAvailable,
  ensureWebAppBuilt,
  launchBrowser,
  screenshotDir,
  startServer,
  type TestBrowser,
  type TestServer,
} from './harness.js';
import { openPage, signInWithForm } from './session.js';

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let admin: TestUser;

const haveChromium = chromiumAvailable();

beforeAll(async () => {
  if (!haveChromium) return;
  await ensureWebAppBuilt();
  server = await startServer();
  admin = await createTestUser(server.db, { role: 'admin', name: 'Ada Admin' });
  browser = await launchBrowser();
  page = await openPage(browser);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signInAs(user: TestUser): Promise<void> {
  await signInWithForm(page, server.url, user);
}

async function signOut(): Promise<void> {
  await page.locator('details.profile summary').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
}

interface ChartText {
  text: string;
  anchor: string | null;
  month: boolean;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Reads every text of the DSO chart with its box in the chart's own units. */
async function dsoChartTexts(): Promise<{ width: number; height: number; texts: ChartText[] }> {
  const chart = page.locator('svg[aria-label="DSO and best possible DSO by month"]');
  await chart.waitFor();
  return chart.evaluate((svg: SVGSVGElement) => {
    const box = svg.viewBox.baseVal;
    const texts = [...svg.querySelectorAll('text')].map((text) => {
      const bounds = text.getBBox();
      return {
        text: [...text.querySelectorAll('tspan')].map((span) => span.textContent).join(' ') || (text.textContent ?? ''),
        anchor: text.getAttribute('text-anchor'),
        month: text.classList.contains('month'),
        left: bounds.x,
        right: bounds.x + bounds.width,
        top: bounds.y,
        bottom: bounds.y + bounds.height,
      };
    });
    return { width: box.width, height: box.height, texts };
  });
}

describe.skipIf(!haveChromium)('dashboard chart and imports by role in Chromium', { timeout: 120_000 }, () => {
  it('draws the axes of an empty dashboard inside the chart', async () => {
    await signInAs(admin);
    await page.goto(`${server.url}/?company=KW01&asOf=1899-03-31`);
    const { width, height, texts } = await dsoChartTexts();
    await page.screenshot({ path: join(screenshotDir, 'dashboard-empty.png'), fullPage: true });
    const yLabels = texts.filter((text) => !text.month).map((text) => text.text);
    expect(yLabels.length).toBeGreaterThanOrEqual(2);
    expect(new Set(yLabels).size, yLabels.join(' ')).toBe(yLabels.length);
    const months = texts.filter((text) => text.month).map((text) => text.text);
    expect(months.length).toBeGreaterThan(0);
    for (const month of months) expect(month).toMatch(/^[A-Z][a-z]{2} 189[89]$/);
    expect(months[months.length - 1]).toBe('Mar 1899');
    for (const text of texts) {
      expect(text.left, text.text).toBeGreaterThanOrEqual(0);
      expect(text.right, text.text).toBeLessThanOrEqual(width);
      expect(text.top, text.text).toBeGreaterThanOrEqual(0);
      expect(text.bottom, text.text).toBeLessThanOrEqual(height);
    }
  });

  it('keeps the month labels of a full year inside the chart', async () => {
    await page.goto(`${server.url}/?company=KW01&asOf=2026-03-31`);
    const { width, texts } = await dsoChartTexts();
    await page.screenshot({ path: join(screenshotDir, 'dashboard-months.png'), fullPage: true });
    const months = texts.filter((text) => text.month);
    expect(months[months.length - 1]!.text).toBe('Mar 2026');
    for (const text of months) {
      expect(text.left, text.text).toBeGreaterThanOrEqual(0);
      expect(text.right, text.text).toBeLessThanOrEqual(width);
    }
    for (let index = 1; index < months.length; index += 1) {
      expect(months[index]!.left, `${months[index - 1]!.text} overlaps ${months[index]!.text}`).toBeGreaterThan(
        months[index - 1]!.right,
      );
    }
    const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();
    expect(nav).toContain('Imports');
    await signOut();
  });

  it('hides imports from a collector', async () => {
    const collector = await createTestUser(server.db, { role: 'collector', name: 'Cole Collector' });
    await signInAs(collector);
    const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();
    expect(nav).toContain('Dashboard');
    expect(nav).not.toContain('Imports');

    await page.goto(`${server.url}/imports`);
    const message = page.getByRole('status');
    await message.waitFor();
    expect(await message.innerText()).toContain('Your role (collector) cannot import ledgers');
    expect(await page.locator('input[type="file"]').count()).toBe(0);
    await signOut();
  });

  it('shows imports to a treasury user', async () => {
    const treasury = await createTestUser(server.db, { role: 'treasury', name: 'Tess Treasury' });
    await signInAs(treasury);
    const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();
    expect(nav).toContain('Imports');
    await page.goto(`${server.url}/imports`);
    await page.getByLabel('File').waitFor();
    expect(await page.getByRole('status').count()).toBe(0);
    await signOut();
  });
});
