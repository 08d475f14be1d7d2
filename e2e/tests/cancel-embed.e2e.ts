import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { launchBrowser, newPage, webUrl } from '../support/browser';
import { apiGql, PASSWORD, signUpInBrowser, subscribeOnWeb } from '../support/journeys';

// The JS embed (/cancel-flow.js) on a page of ANOTHER site: a tiny shop served here on
// 127.0.0.1 (the stack is on localhost — a different origin) loads the script from the web
// app and opens the flow in its modal. Both ways in: the options form with a session from
// startCancelFlow (the app's backend would mint it with the user's token), and the positional
// Vibess form with an app created by `npm run retention-apps` and an HMAC signed here.

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

let browser: Browser;
let shop: http.Server;
let shopUrl: string;

const shopPage = (scriptUrl: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Example shop</title></head>
<body>
  <h1>Example shop</h1>
  <button type="button" id="cancel">Cancel my plan</button>
  <button type="button" id="cancel-optout" data-crossbill-cancel-optout="true">Cancel my plan (the app cancels)</button>
  <script>
    window.events = [];
    // The positional form's callbacks.
    window.crossbillCancelFlow = {
      onComplete: (outcome) => events.push({ via: 'global', event: 'complete', outcome }),
      onError: (error) => events.push({ via: 'global', event: 'error', error }),
      onClose: () => events.push({ via: 'global', event: 'close' }),
    };
    // The test sets window.startArgs; the buttons start the flow as a real page would, on click.
    function start() {
      startCancellationFlow.apply(null, window.startArgs).then(
        (outcome) => events.push({ event: 'resolved', outcome }),
        (error) => events.push({ event: 'rejected', code: error.code }),
      );
    }
    document.getElementById('cancel').addEventListener('click', start);
    document.getElementById('cancel-optout').addEventListener('click', start);
  </script>
  <script src="${scriptUrl}"></script>
</body>
</html>`;

beforeAll(async () => {
  browser = await launchBrowser();
  const html = shopPage(`${webUrl()}/cancel-flow.js`);
  shop = http.createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser.close();
  await new Promise((resolve) => shop.close(resolve));
});

// ── the app's backend, played by the test ──────────────────────────────────────────────────

interface Subscriber {
  userId: string;
  accessToken: string;
  subscriptionId: string;
}

/** Signs up and pays on the web (as the shop's customer did), then logs in over GraphQL. */
async function subscriber(page: Page, prefix: string): Promise<Subscriber> {
  const email = await signUpInBrowser(page, 'Shop Customer', prefix);
  await subscribeOnWeb(page);
  await expect(page.getByTestId('subscribe-outcome').getAttribute('data-outcome')).resolves.toBe('succeeded');
  const { login } = await apiGql<{ login: { accessToken: string; user: { id: string } } }>(
    'mutation($input: LoginInput!) { login(input: $input) { accessToken user { id } } }',
    { input: { email, password: PASSWORD } },
  );
  const subscription = (await subscriptionsOf(login.accessToken))[0]!;
  return { userId: login.user.id, accessToken: login.accessToken, subscriptionId: subscription.id };
}

async function subscriptionsOf(accessToken: string) {
  const { me } = await apiGql<{ me: { subscriptions: Array<{ id: string; status: string; willRenew: boolean }> } }>(
    '{ me { subscriptions { id status willRenew } } }',
    {},
    accessToken,
  );
  return me.subscriptions;
}

async function startCancelFlow(s: Subscriber) {
  const { startCancelFlow } = await apiGql<{ startCancelFlow: { token: string; url: string; expiresAt: string } }>(
    'mutation($id: ID!) { startCancelFlow(subscriptionId: $id) { token url expiresAt } }',
    { id: s.subscriptionId },
    s.accessToken,
  );
  return startCancelFlow;
}

let app: Promise<{ appId: string; privateKey: string }> | null = null;
/** One retention app for this file, created with the CLI against the stack's embedded database. */
function retentionApp() {
  app ??= (async () => {
    const { stdout } = await run('npm', ['run', '--silent', 'retention-apps', '-w', 'api', '--', 'create', 'e2e'], {
      cwd: root,
      env: { ...process.env, DATA_DIR: process.env.E2E_DATA_DIR },
    });
    const created = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { app: { id: string }; privateKey: string };
    return { appId: created.app.id, privateKey: created.privateKey };
  })();
  return app;
}

// ── the shop's page ────────────────────────────────────────────────────────────────────────

type ShopEvent = { via?: string; event: string; outcome?: { outcome: string; subscription: { id: string; willRenew: boolean } } | null; error?: { code: string }; code?: string };

const events = (page: Page) => page.evaluate(() => (window as unknown as { events: ShopEvent[] }).events);

async function waitForEvent(page: Page, predicate: (e: ShopEvent) => boolean, what: string): Promise<ShopEvent> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = (await events(page)).find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} event; got ${JSON.stringify(await events(page))}`);
    await page.waitForTimeout(100);
  }
}

async function openShop(page: Page) {
  await page.goto(shopUrl);
  await page.waitForFunction(() => typeof (window as unknown as { startCancellationFlow?: unknown }).startCancellationFlow === 'function');
}

async function flowIn(page: Page): Promise<FrameLocator> {
  await page.getByRole('dialog', { name: 'Cancel your subscription' }).waitFor();
  const flow = page.frameLocator('iframe.crossbill-cf__frame');
  // Interactive: the flow's script ran (a real tap may come earlier; the page copes, see the no-JS test).
  await flow.locator('[data-testid="cancel-step"][data-hydrated]').waitFor();
  return flow;
}

async function chooseReason(flow: FrameLocator, reason: string) {
  await flow.locator(`input[type="radio"][value="${reason}"]`).check();
  await flow.getByRole('button', { name: 'Continue' }).click();
  await flow.locator('[data-testid="cancel-step"][data-step="offer"][data-hydrated]').waitFor();
}

// ── tests ──────────────────────────────────────────────────────────────────────────────────

it('serves the script for other sites, and lets only the cancel flow be framed', async () => {
  const script = await fetch(`${webUrl()}/cancel-flow.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect(script.headers.get('cache-control')).toMatch(/max-age=300\b/);
  expect(await script.text()).toMatch(/startCancellationFlow/);
  const again = await fetch(`${webUrl()}/cancel-flow.js`, { headers: { 'If-None-Match': script.headers.get('etag')! } });
  expect(again.status).toBe(304);

  const flow = await fetch(`${webUrl()}/cancel/not-a-real-token`);
  expect(flow.headers.get('x-frame-options')).toBeNull();
  // Outside production without CANCEL_EMBED_ORIGINS, any site may embed the flow.
  expect(flow.headers.get('content-security-policy')).toBe("frame-ancestors 'self' *");
  const start = await fetch(`${webUrl()}/cancel/start`);
  expect(start.headers.get('content-security-policy')).toMatch(/^frame-ancestors /);
  const account = await fetch(`${webUrl()}/login`);
  expect(account.headers.get('x-frame-options')).toBe('DENY');
  expect(account.headers.get('content-security-policy')).toBeNull();
});

it('options form with a session from startCancelFlow and cancelOptOut: onComplete gets cancel_opted_out, and the subscription still renews', async () => {
  const { context, page } = await newPage(browser);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    const customer = await subscriber(page, 'embed-optout');
    // From here on, in the shop and in the flow's third-party frame: no script errors (a
    // browser that blocks third-party storage included, as this Chromium does).
    page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} (${m.location().url})`));
    const session = await startCancelFlow(customer);

    await openShop(page);
    expect(new URL(page.url()).origin).not.toBe(new URL(webUrl()).origin);
    await page.evaluate((s) => {
      const w = window as unknown as { events: ShopEvent[]; startCancellationFlow: (o: unknown) => Promise<unknown> };
      w.startCancellationFlow({
        session: s,
        cancelOptOut: true,
        onComplete: (outcome: ShopEvent['outcome']) => w.events.push({ via: 'options', event: 'complete', outcome }),
        onError: (error: { code: string }) => w.events.push({ via: 'options', event: 'error', error }),
        onClose: () => w.events.push({ via: 'options', event: 'close' }),
      }).then((outcome) => w.events.push({ event: 'resolved', outcome: outcome as ShopEvent['outcome'] }));
    }, session);

    const flow = await flowIn(page);
    const frame = page.frames().find((f) => f.url().includes('/cancel/'))!;
    const src = new URL(frame.url());
    expect(src.origin).toBe(new URL(webUrl()).origin);
    expect(src.searchParams.get('embed')).toBe('1');
    expect(src.searchParams.get('parent')).toBe(shopUrl);
    expect(src.searchParams.get('optout')).toBe('1');

    await chooseReason(flow, 'SWITCHED_SERVICE');
    await flow.getByRole('button', { name: 'No thanks, cancel' }).click();
    await expect(flow.getByTestId('cancel-outcome').getAttribute('data-outcome')).resolves.toBe('cancel_opted_out');

    const complete = await waitForEvent(page, (e) => e.via === 'options' && e.event === 'complete', 'complete');
    expect(complete.outcome).toMatchObject({ outcome: 'cancel_opted_out', subscription: { id: customer.subscriptionId, willRenew: true } });
    await expect(waitForEvent(page, (e) => e.event === 'resolved', 'resolved')).resolves.toMatchObject({ outcome: { outcome: 'cancel_opted_out' } });
    // The positional form's global callbacks are not the options form's.
    expect((await events(page)).filter((e) => e.via === 'global')).toEqual([]);

    // Still open, showing the outcome, until the user is done.
    await flow.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await waitForEvent(page, (e) => e.via === 'options' && e.event === 'close', 'close');

    // Nothing was cancelled: the app does that itself.
    expect((await subscriptionsOf(customer.accessToken)).find((s) => s.id === customer.subscriptionId)).toMatchObject({ status: 'ACTIVE', willRenew: true });
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

it('positional Vibess form with an app key: the discount is accepted, the callbacks and the Promise get the outcome', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  try {
    const customer = await subscriber(page, 'embed-vibess');
    const { appId, privateKey } = await retentionApp();
    const expires = String(Math.floor(Date.now() / 1000) + 600);
    const hmac = createHmac('sha256', privateKey).update(`${customer.userId}${appId}${expires}`).digest('hex');

    await openShop(page);
    await page.evaluate((args) => ((window as unknown as { startArgs: unknown[] }).startArgs = args), [customer.userId, null, hmac, expires, appId]);
    await page.getByRole('button', { name: 'Cancel my plan', exact: true }).click();

    const flow = await flowIn(page);
    // Focus moved into the flow.
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('IFRAME');
    // /cancel/start minted the session and sent the frame on to the flow, embed parameters kept.
    const src = new URL(page.frames().find((f) => f.url().includes('/cancel/'))!.url());
    expect(src.pathname).toMatch(/^\/cancel\/(?!start)[^/]+$/);
    expect(src.searchParams.get('parent')).toBe(shopUrl);
    expect(src.searchParams.get('optout')).toBeNull();

    await chooseReason(flow, 'TOO_EXPENSIVE');
    await flow.getByRole('button', { name: 'Accept offer' }).click();
    await expect(flow.getByTestId('cancel-outcome').getAttribute('data-outcome')).resolves.toBe('saved_discount');

    const complete = await waitForEvent(page, (e) => e.via === 'global' && e.event === 'complete', 'complete');
    expect(complete.outcome).toMatchObject({ outcome: 'saved_discount', subscription: { id: customer.subscriptionId, willRenew: true } });
    await waitForEvent(page, (e) => e.event === 'resolved' && e.outcome?.outcome === 'saved_discount', 'resolved');

    await flow.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await waitForEvent(page, (e) => e.via === 'global' && e.event === 'close', 'close');
    // Focus is back on the shop's button.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('cancel');

    // The customer's account on the web shows the discount.
    await page.goto(`${webUrl()}/account`);
    await expect(page.getByTestId('subscription-discount').textContent()).resolves.toMatch(/^\d{1,3}% off until /);
  } finally {
    await context.close();
  }
});

it('positional form: data-crossbill-cancel-optout on the button opts out; a wrong signature is an error, calmly', async () => {
  const { context, page } = await newPage(browser);
  try {
    const customer = await subscriber(page, 'embed-attr');
    const { appId, privateKey } = await retentionApp();
    const expires = String(Math.floor(Date.now() / 1000) + 600);
    const hmac = createHmac('sha256', privateKey).update(`${customer.userId}${appId}${expires}`).digest('hex');

    // A wrong HMAC: onError with the API's code, a calm page in the modal, nothing started.
    await openShop(page);
    await page.evaluate((args) => ((window as unknown as { startArgs: unknown[] }).startArgs = args), [customer.userId, null, 'ab'.repeat(32), expires, appId]);
    await page.getByRole('button', { name: 'Cancel my plan', exact: true }).click();
    const refused = await flowIn(page);
    await expect(refused.getByTestId('cancel-step').getAttribute('data-step')).resolves.toBe('unusable');
    const error = await waitForEvent(page, (e) => e.event === 'error', 'error');
    expect(error).toMatchObject({ via: 'global', error: { code: 'INVALID_TOKEN' } });
    await refused.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await waitForEvent(page, (e) => e.event === 'resolved' && e.outcome === null, 'resolved (null)');

    // The right one, started from the button marked data-crossbill-cancel-optout="true".
    await page.evaluate(() => ((window as unknown as { events: unknown[] }).events = []));
    await page.evaluate((args) => ((window as unknown as { startArgs: unknown[] }).startArgs = args), [customer.userId, customer.subscriptionId, hmac, expires, appId]);
    await page.getByRole('button', { name: 'Cancel my plan (the app cancels)' }).click();
    const flow = await flowIn(page);
    expect(new URL(page.frames().find((f) => f.url().includes('/cancel/'))!.url()).searchParams.get('optout')).toBe('1');
    await chooseReason(flow, 'SWITCHED_SERVICE');
    await flow.getByRole('button', { name: 'No thanks, cancel' }).click();
    await expect(flow.getByTestId('cancel-outcome').getAttribute('data-outcome')).resolves.toBe('cancel_opted_out');
    await waitForEvent(page, (e) => e.via === 'global' && e.event === 'complete' && e.outcome?.outcome === 'cancel_opted_out', 'complete');
    // Escape from inside the frame closes the modal too.
    await flow.getByRole('button', { name: 'Done' }).focus();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect((await subscriptionsOf(customer.accessToken)).find((s) => s.id === customer.subscriptionId)).toMatchObject({ willRenew: true });
  } finally {
    await context.close();
  }
});

it('a spent or bad session reports an error to onError (or rejects the Promise without one)', async () => {
  const { context, page } = await newPage(browser);
  try {
    await openShop(page);
    await page.evaluate(() => {
      const w = window as unknown as { events: ShopEvent[]; startCancellationFlow: (o: unknown) => Promise<unknown> };
      w.startCancellationFlow({ session: 'not-a-real-token' }).then(
        (outcome) => w.events.push({ event: 'resolved', outcome: outcome as ShopEvent['outcome'] }),
        (error: { code: string }) => w.events.push({ event: 'rejected', code: error.code }),
      );
    });
    const flow = await flowIn(page);
    await expect(flow.getByTestId('cancel-step').getAttribute('data-step')).resolves.toBe('unusable');
    await expect(waitForEvent(page, (e) => e.event === 'rejected', 'rejected')).resolves.toMatchObject({ code: 'CANCEL_SESSION_INVALID' });
    await page.getByRole('button', { name: 'Close' }).first().click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  } finally {
    await context.close();
  }
});
