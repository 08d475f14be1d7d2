import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { uniqueEmail } from './browser';

// Steps several browser tests share: a new account, a card payment in the Stripe sandbox, and
// an App Store purchase played through the sandbox CLI (as a newcomer would run it).

const run = promisify(execFile);
const APPSTORE_CLI = path.resolve(__dirname, '../../sandbox/dist/appstore/src/cli.js');
export const PASSWORD = 'harbor-lantern-2291';

/** Signs up through the form and lands on /account; returns the email used. */
export async function signUpInBrowser(page: Page, name: string, emailPrefix = 'e2e'): Promise<string> {
  const email = uniqueEmail(emailPrefix);
  await page.goto('/signup');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await landedOnAccount(page);
  return email;
}

/** Logs in through the form (the user signed up with PASSWORD) and lands on the account page. */
export async function logInInBrowser(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await landedOnAccount(page);
}

/**
 * After a sign-up or log-in: on /account with the page rendered. (With JavaScript the URL
 * changes as the client-side navigation starts, a moment before the new page is on screen.)
 */
async function landedOnAccount(page: Page): Promise<void> {
  await page.waitForURL('**/account');
  await page.locator('#billing-title').waitFor();
}

/** Fills the sandbox's card form on the current pay page and presses Pay. */
export async function payWithCard(page: Page, card = '4242 4242 4242 4242'): Promise<void> {
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('Expiry (MM / YY)').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: 'Pay' }).click();
}

/** Subscribes to a plan with the test card and waits for the return page. */
export async function subscribeOnWeb(page: Page, plan = 'pro-monthly'): Promise<void> {
  await page.goto(`/subscribe/${plan}`);
  await payWithCard(page);
  await page.waitForURL('**/subscribe/return**');
}

/** The account's StoreKit appAccountToken, as the account page shows it outside production. */
export async function appAccountTokenOf(page: Page): Promise<string> {
  const command = (await page.getByTestId('app-account-token-command').textContent())!;
  return /--app-account-token ([0-9a-f-]{36})/.exec(command)![1]!;
}

/** Plays the iPhone: `npm run appstore -- purchase …` against the stack's App Store sandbox. */
export async function buyOnIPhone(appAccountToken: string, product = 'com.crossbill.pro.monthly'): Promise<{ notificationType: string; delivered: boolean }> {
  const { stdout } = await run(process.execPath, [APPSTORE_CLI, 'purchase', '--app-account-token', appAccountToken, '--product', product], {
    env: { ...process.env, APPSTORE_SANDBOX_URL: process.env.E2E_APPSTORE_URL },
  });
  return JSON.parse(stdout);
}

/** A GraphQL call straight to the API, as an app's backend (or the iPhone app) makes it. */
export async function apiGql<T>(query: string, variables: Record<string, unknown> = {}, accessToken?: string): Promise<T> {
  const res = await fetch(`${process.env.E2E_API_URL}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
  return body.data!;
}

/** Logs a user who signed up with PASSWORD in over the API; the access token. */
export async function apiLogIn(email: string): Promise<string> {
  const { login } = await apiGql<{ login: { accessToken: string } }>('mutation ($input: LoginInput!) { login(input: $input) { accessToken } }', {
    input: { email, password: PASSWORD },
  });
  return login.accessToken;
}
