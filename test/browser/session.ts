import type { Page } from 'playwright-core';
import type { TestBrowser } from './harness.js';

/** Opens a tab whose actions wait at most 15 seconds. */
export async function openPage(browser: TestBrowser): Promise<Page> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/**
 * Signs in through the sign-in form at `url` and waits for the main
 * navigation. Clears the cookies first, so a previous user's session ends.
 */
export async function signInWithForm(page: Page, url: string, user: { email: string; password: string }): Promise<void> {
  await page.context().clearCookies();
  await page.goto(url);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}
