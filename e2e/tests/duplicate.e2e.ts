import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, uniqueEmail } from '../support/browser';

// Paying twice: a web (Stripe sandbox) subscription, then an App Store purchase for the same
// account. The account page says so, and what to do — live, without a reload.

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../sandbox/dist/appstore/src/cli.js');

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

async function payOnWeb(page: Page) {
  await page.goto('/subscribe/pro-monthly');
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await page.getByLabel('Expiry (MM / YY)').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: 'Pay' }).click();
  await page.waitForURL('**/subscribe/return**');
}

it('flags a user billed by both stores, live on the account page', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  try {
    await page.goto('/signup');
    await page.getByLabel('Name').fill('Double Payer');
    await page.getByLabel('Email').fill(uniqueEmail('double'));
    await page.getByLabel('Password').fill('harbor-lantern-2291');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/account');
    await payOnWeb(page);

    await page.goto('/account');
    await page.getByTestId('live-status').and(page.locator('[data-state="open"]')).waitFor();
    expect(await page.getByTestId('duplicate-subscriptions').count()).toBe(0);
    const token = /--app-account-token ([0-9a-f-]{36})/.exec((await page.getByTestId('app-account-token-command').textContent())!)![1]!;
    await run(process.execPath, [CLI, 'purchase', '--app-account-token', token, '--product', 'com.crossbill.pro.monthly'], {
      env: { ...process.env, APPSTORE_SANDBOX_URL: process.env.E2E_APPSTORE_URL },
    });
    await page.getByTestId('duplicate-subscriptions').waitFor();
    await expect(page.getByTestId('duplicate-subscriptions').textContent()).resolves.toMatch(/paying twice/);
  } finally {
    await context.close();
  }
});
