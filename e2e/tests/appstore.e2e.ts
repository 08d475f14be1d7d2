import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPage, uniqueEmail } from '../support/browser';

// The newcomer journey: sign up on the web, play the iPhone with the App Store sandbox
// CLI using the account's appAccountToken (as shown on the account page), and see the App
// Store subscription on the web account page. The sandbox's signed SUBSCRIBED notification
// binds the purchase through the token.

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../sandbox/dist/appstore/src/cli.js');

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

it('an iPhone purchase made with the account’s token shows on the web account page', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  try {
    await page.goto('/signup');
    await page.getByLabel('Name').fill('iPhone Buyer');
    await page.getByLabel('Email').fill(uniqueEmail('iap'));
    await page.getByLabel('Password').fill('harbor-lantern-2291');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/account');

    const command = (await page.getByTestId('app-account-token-command').textContent())!;
    const token = /--app-account-token ([0-9a-f-]{36})/.exec(command)![1]!;
    const { stdout } = await run(process.execPath, [CLI, 'purchase', '--app-account-token', token, '--product', 'com.crossbill.pro.monthly'], {
      env: { ...process.env, APPSTORE_SANDBOX_URL: process.env.E2E_APPSTORE_URL },
    });
    expect(JSON.parse(stdout)).toMatchObject({ notificationType: 'SUBSCRIBED', delivered: true });

    await page.reload();
    await expect(page.getByTestId('subscription-store').textContent()).resolves.toMatch(/App Store/);
    await expect(page.getByTestId('subscription-status').textContent()).resolves.toMatch(/Active/);
  } finally {
    await context.close();
  }
});
