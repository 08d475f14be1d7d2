import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, uniqueEmail, webUrl } from '../support/browser';
import { apiGql, apiLogIn, signUpInBrowser } from '../support/journeys';

// Live updates: the account page follows GET /live (server-sent events the web server relays
// from the API's graphql-ws streams, authenticated with the cookie session), so an App Store
// purchase made "on the iPhone" (the sandbox CLI) shows up without a reload.
//
// The stack runs with 36-second access tokens (global setup), so the relayed upstream
// connection is closed by the API (4401) and re-established with a refreshed token several
// times a minute: the second test checks updates still arrive after that.

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../sandbox/dist/appstore/src/cli.js');

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

const liveOpen = (page: Page) => page.locator('[data-testid="live-status"][data-state="open"]').waitFor({ timeout: 15_000 });

/** The account's appAccountToken, as the account page shows it for the sandbox. */
async function appAccountToken(page: Page): Promise<string> {
  const command = (await page.getByTestId('app-account-token-command').textContent())!;
  return /--app-account-token ([0-9a-f-]{36})/.exec(command)![1]!;
}

/** Plays the iPhone: a StoreKit purchase carrying the account's appAccountToken (from the account page, or given). */
async function buyOnIPhone(page: Page, token?: string): Promise<void> {
  token ??= await appAccountToken(page);
  const { stdout } = await run(process.execPath, [CLI, 'purchase', '--app-account-token', token, '--product', 'com.crossbill.pro.monthly'], {
    env: { ...process.env, APPSTORE_SANDBOX_URL: process.env.E2E_APPSTORE_URL },
  });
  expect(JSON.parse(stdout)).toMatchObject({ notificationType: 'SUBSCRIBED', delivered: true });
}

/** The App Store subscription appears as Active on the page as it is, within a few seconds. */
async function expectAppStoreActiveWithoutReload(page: Page): Promise<void> {
  await page.getByTestId('subscription-store').filter({ hasText: 'App Store' }).waitFor({ timeout: 10_000 });
  await expect(page.getByTestId('subscription-status').first().textContent()).resolves.toMatch(/Active/);
  await expect(page.getByTestId('no-subscription').count()).resolves.toBe(0);
}

it('an iPhone purchase shows on the open account page without a reload', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  try {
    await signUpInBrowser(page, 'Live Buyer');
    await expect(page.getByTestId('no-subscription').count()).resolves.toBe(1);
    await liveOpen(page);
    await expect(page.getByTestId('live-status').textContent()).resolves.toBe('Live');

    // A marker on the window: a reload or a full navigation would wipe it.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });

    await buyOnIPhone(page);
    await expectAppStoreActiveWithoutReload(page);

    await expect(page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).resolves.toBe(true);
    expect(navigations).toBe(0);
  } finally {
    await context.close();
  }
});

it('keeps following after the access token expires mid-stream (refresh and reconnect)', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  try {
    await signUpInBrowser(page, 'Live Long');
    await liveOpen(page);
    const cookieBefore = (await context.cookies()).find((c) => c.name === '__session')?.value;

    // Longer than the 36-second access token: the stream must have been re-established with a
    // refreshed one (the refresh happens on /live itself, whose response sets the new cookie).
    await page.waitForTimeout(40_000);
    await liveOpen(page);
    const cookieAfter = (await context.cookies()).find((c) => c.name === '__session')?.value;
    expect(cookieAfter).not.toBe(cookieBefore);

    await buyOnIPhone(page);
    await expectAppStoreActiveWithoutReload(page);
  } finally {
    await context.close();
  }
}, 90_000);

it('the open pay page turns into “already subscribed” when the iPhone buys meanwhile', async () => {
  const { context, page } = await newPage(browser);
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  try {
    await signUpInBrowser(page, 'Live Payer');
    const token = await appAccountToken(page);
    await page.goto('/subscribe/pro-monthly');
    await page.getByLabel('Card number').waitFor();
    await liveOpen(page);

    await buyOnIPhone(page, token);
    await page.getByTestId('already-subscribed').waitFor({ timeout: 10_000 });
    await expect(page.getByTestId('already-subscribed').textContent()).resolves.toMatch(/App Store/);
    expect(page.url()).toMatch(/\/subscribe\/pro-monthly$/);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

it('“Payment processing”: with JavaScript the page stays put and follows /live; without, it reloads itself', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  try {
    await signUpInBrowser(page, 'Live Processing');
    await page.goto('/subscribe/pro-monthly');
    await page.getByLabel('Card number').waitFor();
    const id = await page.evaluate(
      () => (window as unknown as { __remixContext: { state: { loaderData: Record<string, { subscriptionId?: string }> } } }).__remixContext.state.loaderData['routes/subscribe.$plan']!.subscriptionId!,
    );
    const processing = `/subscribe/return?subscription=${encodeURIComponent(id)}&redirect_status=processing`;

    await page.goto(processing);
    await expect(page.getByTestId('subscribe-outcome').getAttribute('data-outcome')).resolves.toBe('processing');
    await liveOpen(page);
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    await page.waitForTimeout(4_000); // longer than the 3 s meta refresh
    await expect(page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).resolves.toBe(true);
    expect(page.url()).not.toMatch(/check=/);
    expect(errors).toEqual([]);

    const noScript = await browser.newContext({ baseURL: webUrl(), javaScriptEnabled: false, storageState: await context.storageState() });
    try {
      const plain = await noScript.newPage();
      await plain.goto(processing);
      await expect(plain.getByTestId('subscribe-outcome').getAttribute('data-outcome')).resolves.toBe('processing');
      await expect(plain.getByTestId('live-status').count()).resolves.toBe(0);
      await plain.waitForURL(/check=1/, { timeout: 6_000 });
    } finally {
      await noScript.close();
    }
  } finally {
    await context.close();
  }
});

it('GET /live: 401 JSON without a session; with one, the snapshots, and at most five streams per user', async () => {
  const anonymous = await fetch(`${webUrl()}/live`, { headers: { Accept: 'text/event-stream' } });
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('content-type')).toMatch(/application\/json/);
  await expect(anonymous.json()).resolves.toMatchObject({ error: { code: 'UNAUTHENTICATED' } });

  const { context, page } = await newPage(browser, { phone: false });
  try {
    await signUpInBrowser(page, 'Live Stream');
    // The browser context's cookie, read in the page: the first events of the stream itself.
    const events = await page.evaluate(
      () =>
        new Promise<{ subscriptions: unknown; entitlements: unknown }>((resolve, reject) => {
          const source = new EventSource('/live');
          const got: Record<string, unknown> = {};
          const done = () => {
            if ('subscriptions' in got && 'entitlements' in got) {
              source.close();
              resolve(got as { subscriptions: unknown; entitlements: unknown });
            }
          };
          for (const name of ['subscriptions', 'entitlements']) {
            source.addEventListener(name, (event) => {
              got[name] = JSON.parse((event as MessageEvent<string>).data);
              done();
            });
          }
          setTimeout(() => reject(new Error('no snapshot within 10 s')), 10_000);
        }),
    );
    expect(events.subscriptions).toEqual([]);
    expect(Array.isArray(events.entitlements)).toBe(true);
    expect((events.entitlements as Array<{ active: boolean }>).some((e) => e.active)).toBe(false);

    // A handful of streams per user (5): a sixth is refused with 429, and closing them frees
    // their places (the relay closes its upstream connections when the browser goes away).
    await page.goto('/pricing'); // a page without its own stream
    const statuses = await page.evaluate(async () => {
      const opened = await Promise.all(
        Array.from({ length: 5 }, () => new Promise<EventSource>((resolve) => {
          const source = new EventSource('/live');
          source.addEventListener('subscriptions', () => resolve(source), { once: true });
        })),
      );
      const sixth = await fetch('/live');
      await sixth.body?.cancel();
      for (const source of opened) source.close();
      const deadline = Date.now() + 5_000;
      let again = 0;
      while (Date.now() < deadline) {
        const controller = new AbortController();
        const response = await fetch('/live', { signal: controller.signal });
        again = response.status;
        controller.abort();
        if (again === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      return { sixth: sixth.status, again };
    });
    expect(statuses).toEqual({ sixth: 429, again: 200 });
  } finally {
    await context.close();
  }
});

it('GET /live with a sign-in ended elsewhere: the stream ends and the web server stays up', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  try {
    const email = await signUpInBrowser(page, 'Ended Elsewhere', 'ended');
    await page.goto('/pricing'); // a page without its own stream
    // "Log out everywhere" from another device: the cookie still holds an unexpired access
    // token, but its session is gone, so the API refuses the relay's socket (4401).
    await apiGql('mutation { logoutEverywhere }', {}, await apiLogIn(email));
    const ended = await page.evaluate(async () => {
      const res = await fetch('/live');
      return { status: res.status, body: await res.text() };
    });
    expect([200, 401]).toContain(ended.status);
    if (ended.status === 200) expect(ended.body).toMatch(/retry: \d+/);
    // The relay's failed connection must not take the server down (it once did: an unhandled rejection).
    await new Promise((r) => setTimeout(r, 500));
    const health = await fetch(`${webUrl()}/healthz`);
    expect(health.status).toBe(200);
  } finally {
    await context.close();
  }
});
