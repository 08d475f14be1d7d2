import type { Browser } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser';
import { appAccountTokenOf, buyOnIPhone, signUpInBrowser, subscribeOnWeb } from '../support/journeys';

// Paying twice: a web (Stripe sandbox) subscription, then an App Store purchase for the same
// account. The account page says so, and what to do — live, without a reload.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

it('flags a user billed by both stores, live on the account page', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  try {
    await signUpInBrowser(page, 'Double Payer', 'double');
    await subscribeOnWeb(page);

    await page.goto('/account');
    await page.getByTestId('live-status').and(page.locator('[data-state="open"]')).waitFor();
    expect(await page.getByTestId('duplicate-subscriptions').count()).toBe(0);
    await buyOnIPhone(await appAccountTokenOf(page));
    await page.getByTestId('duplicate-subscriptions').waitFor();
    await expect(page.getByTestId('duplicate-subscriptions').textContent()).resolves.toMatch(/paying twice/);
  } finally {
    await context.close();
  }
});
