import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, uniqueEmail } from '../support/browser';

// Google and Apple through the local OpenID provider that `npm start` runs without provider
// credentials (sandbox/oidc), with its account picker.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

/** On the provider's account picker: continue as a custom person. */
async function pickAccount(page: Page, email: string, name: string) {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
}

it('links Google to an email account, then signs in with Google into the same account', async () => {
  const { context, page } = await newPage(browser);
  try {
    const email = uniqueEmail('link');
    await page.goto('/signup');
    await page.getByLabel('Name').fill('Link Tester');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('harbor-lantern-2291');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/account');

    const googleEmail = uniqueEmail('google');
    await page.getByRole('button', { name: 'Link Google' }).click();
    await pickAccount(page, googleEmail, 'Link Tester');
    await page.waitForURL('**/account**');
    await expect(page.getByText(googleEmail).first().isVisible()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/account'));

    await page.goto('/login');
    await page.getByRole('button', { name: 'Continue with Google' }).click();
    await pickAccount(page, googleEmail, 'Link Tester');
    await page.waitForURL('**/account**');
    await expect(page.getByTestId('account-email').textContent()).resolves.toBe(email);
  } finally {
    await context.close();
  }
});

it('signs in with Apple (form_post) on a fresh browser and creates the account', async () => {
  const { context, page } = await newPage(browser);
  try {
    const email = uniqueEmail('apple');
    await page.goto('/login');
    await page.getByRole('button', { name: 'Continue with Apple' }).click();
    await pickAccount(page, email, 'Apple Person');
    await page.waitForURL('**/account**');
    await expect(page.getByTestId('account-email').textContent()).resolves.toBe(email);
    await expect(page.getByTestId('account-name').textContent()).resolves.toBe('Apple Person');
    await expect(page.getByTestId('email-status').textContent()).resolves.toMatch(/^Verified/);
  } finally {
    await context.close();
  }
});
