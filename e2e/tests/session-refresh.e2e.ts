import type { Browser } from 'playwright-core';
import { launchBrowser, newPage, uniqueEmail } from '../support/browser';

// The stack runs with 36-second access tokens (global setup) and the web server refreshes
// when fewer than 30 s are left, so after ~6 s every request needs a refresh.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

it('refreshes tokens transparently, and parallel requests share one refresh', async () => {
  const { context, page } = await newPage(browser);
  try {
    const email = uniqueEmail('refresh');
    await page.goto('/signup');
    await page.getByLabel('Name').fill('Refresh Test');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('harbor-lantern-2291');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/account');
    const before = (await context.cookies()).map((c) => c.value).join();

    await page.waitForTimeout(7000);

    // Five requests at once, all carrying the same (about to expire) session cookie. The API
    // treats a reused refresh token as theft and would end the session if each refreshed.
    const responses = await Promise.all(Array.from({ length: 5 }, () => context.request.get('/account', { maxRedirects: 0 })));
    for (const response of responses) expect(response.status()).toBe(200);

    await page.goto('/account');
    expect(page.url()).toMatch(/\/account$/);
    await expect(page.getByTestId('account-email').textContent()).resolves.toBe(email);
    const after = (await context.cookies()).map((c) => c.value).join();
    expect(after).not.toBe(before);
  } finally {
    await context.close();
  }
});
