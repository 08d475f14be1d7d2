import type { Browser } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser';
import { appAccountTokenOf, buyOnIPhone, signUpInBrowser } from '../support/journeys';

// The newcomer journey: sign up on the web, play the iPhone with the App Store sandbox
// CLI using the account's appAccountToken (as shown on the account page), and see the App
// Store subscription on the web account page. The sandbox's signed SUBSCRIBED notification
// binds the purchase through the token.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

it('an iPhone purchase made with the account’s token shows on the web account page', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  try {
    await signUpInBrowser(page, 'iPhone Buyer', 'iap');
    expect(await buyOnIPhone(await appAccountTokenOf(page))).toMatchObject({ notificationType: 'SUBSCRIBED', delivered: true });

    await page.reload();
    await expect(page.getByTestId('subscription-store').textContent()).resolves.toMatch(/App Store/);
    await expect(page.getByTestId('subscription-status').textContent()).resolves.toMatch(/Active/);
  } finally {
    await context.close();
  }
});
