import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, uniqueEmail } from '../support/browser';

// The journey from the issue, on the real `npm start` stack: sign up → read the verification
// mail in the dev mailbox → verify → log out → log in → change password. Run once with
// JavaScript (phone) and once without it (desktop), since the pages must work either way.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

const PASSWORD = 'harbor-lantern-2291';
const NEW_PASSWORD = 'copper-willow-7730';

async function signUp(page: Page, email: string, password = PASSWORD) {
  await page.goto('/signup');
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/account');
}

async function logIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** The newest mail to `email` in the dev mailbox; returns the link in it that goes to `route`. */
async function linkFromMailbox(page: Page, email: string, route: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    await page.goto('/dev/mailbox');
    const mail = page.getByTestId('mail-message').filter({ has: page.getByTestId('mail-to').getByText(email, { exact: true }) }).first();
    const link = mail.locator(`a[href*="${route}?token="]`).first();
    if (await link.count()) return (await link.getAttribute('href'))!;
    await page.waitForTimeout(250);
  }
  throw new Error(`no ${route} mail to ${email} in the mailbox`);
}

describe.each([
  ['with JavaScript, on a phone', { javaScriptEnabled: true, phone: true }],
  ['without JavaScript, on a desktop', { javaScriptEnabled: false, phone: false }],
])('account journey %s', (_label, options) => {
  it('signs up, verifies by mail, logs out and in, and changes the password', async () => {
    const { context, page } = await newPage(browser, options);
    const pageErrors: Error[] = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    try {
      const email = uniqueEmail('journey');
      await signUp(page, email);
      await expect(page.getByTestId('account-email').textContent()).resolves.toBe(email);
      await expect(page.getByTestId('email-status').textContent()).resolves.toMatch(/Not verified/);
      await expect(page.getByTestId('account-notice').textContent()).resolves.toContain(email);

      // The session cookie is httpOnly: page scripts cannot read any token.
      const cookies = await context.cookies();
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) {
        expect(cookie.httpOnly).toBe(true);
        expect(cookie.sameSite).toBe('Lax');
      }
      if (options.javaScriptEnabled) expect(await page.evaluate(() => document.cookie)).toBe('');

      const verifyLink = await linkFromMailbox(page, email, '/verify-email');
      await page.goto(verifyLink);
      await page.getByTestId('verify-success').waitFor();
      await page.goto('/account');
      await expect(page.getByTestId('email-status').textContent()).resolves.toMatch(/^Verified/);

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/account'));
      await page.goto('/account');
      await page.waitForURL('**/login**');

      await logIn(page, email, 'not-my-password-1');
      await expect(page.getByTestId('form-error').textContent()).resolves.toMatch(/email or password is not correct/i);

      await logIn(page, email, PASSWORD);
      await page.waitForURL('**/account');

      await page.getByLabel('Current password').fill(PASSWORD);
      await page.getByLabel('New password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByTestId('account-notice').textContent()).resolves.toMatch(/password/i);
      await page.goto('/account');
      await expect(page.getByTestId('account-email').textContent()).resolves.toBe(email); // still signed in

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL((url) => !url.pathname.startsWith('/account'));
      await logIn(page, email, PASSWORD);
      await page.getByTestId('form-error').waitFor();
      await logIn(page, email, NEW_PASSWORD);
      await page.waitForURL('**/account');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

it('shows inline errors for bad sign-up input and keeps what was typed', async () => {
  const { context, page } = await newPage(browser);
  try {
    await page.goto('/signup');
    await page.getByLabel('Name').fill('Ada');
    await page.getByLabel('Email').fill('ada@example');
    await page.getByLabel('Password').fill('password123');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForSelector('[aria-invalid="true"]');
    await expect(page.getByLabel('Name').inputValue()).resolves.toBe('Ada');
    const emailField = page.getByLabel('Email');
    await expect(emailField.getAttribute('aria-invalid')).resolves.toBe('true');
    expect(page.url()).toMatch(/\/signup$/);
  } finally {
    await context.close();
  }
});

it('resets a forgotten password through the mailed link, and the link works once', async () => {
  const { context, page } = await newPage(browser);
  try {
    const email = uniqueEmail('reset');
    await signUp(page, email);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/account'));

    await page.goto('/forgot-password');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByTestId('reset-link-sent').waitFor();

    const resetLink = await linkFromMailbox(page, email, '/reset-password');
    await page.goto(resetLink);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/reset-password'));

    await logIn(page, email, NEW_PASSWORD);
    await page.waitForURL('**/account');

    await page.goto(resetLink);
    await page.getByLabel('New password').fill('another-pass-5512');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByTestId('form-error').waitFor();
  } finally {
    await context.close();
  }
});
