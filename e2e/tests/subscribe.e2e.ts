import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, uniqueEmail } from '../support/browser';

// The browser journey on the real `npm start` stack, which runs the local Stripe
// sandbox (no keys): sign up → pricing → pay with 4242 → the account shows the plan active.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

async function signUp(page: Page) {
  const email = uniqueEmail('pay');
  await page.goto('/signup');
  await page.getByLabel('Name').fill('Paying Customer');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('harbor-lantern-2291');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/account');
  return email;
}

async function payWith(page: Page, card: string) {
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('Expiry (MM / YY)').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: 'Pay' }).click();
}

it('subscribes with the test card and shows the plan active on the account page', async () => {
  const { context, page } = await newPage(browser);
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  try {
    await signUp(page);
    await page.goto('/pricing');
    await page.getByTestId('plan-card').first().getByRole('link', { name: 'Subscribe' }).click();
    await page.waitForURL('**/subscribe/pro-monthly');
    await page.getByLabel('Card number').waitFor();

    await payWith(page, '4000 0000 0000 9995');
    await expect(page.getByTestId('payment-error').textContent()).resolves.toMatch(/declined/i);
    expect(page.url()).toMatch(/\/subscribe\/pro-monthly$/);

    await page.getByLabel('Card number').fill('');
    await payWith(page, '4242 4242 4242 4242');
    await page.waitForURL('**/subscribe/return**');
    await expect(page.getByTestId('subscribe-outcome').getAttribute('data-outcome')).resolves.toBe('succeeded');

    await page.goto('/account');
    await expect(page.getByTestId('subscription-status').textContent()).resolves.toMatch(/Active/);
    await expect(page.getByTestId('subscription-plan').textContent()).resolves.toMatch(/Pro, monthly/);
    await expect(page.getByTestId('payment-method').textContent()).resolves.toMatch(/4242/);
    expect(await page.getByTestId('invoice-row').count()).toBeGreaterThan(0);

    // A second subscription is refused, naming the store that owns the first.
    await page.goto('/subscribe/pro-yearly');
    await page.getByTestId('already-subscribed').waitFor();
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});
