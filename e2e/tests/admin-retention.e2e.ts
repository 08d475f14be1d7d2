import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, webUrl } from '../support/browser';
import { apiGql, logInInBrowser, PASSWORD, signUpInBrowser, subscribeOnWeb } from '../support/journeys';

// The admin pages of the retention flow on the real `npm start` stack: a non-admin gets no
// Admin link and no admin pages; an admin (granted with the CLI, as a newcomer would) sees a
// subscriber's flow in the analytics (figures and an SVG chart rendered on the server), edits
// the too-expensive discount and a new flow offers it, gets field errors for bad input with
// everything typed kept, and registers an app whose private key is shown exactly once.

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

/** The stack's data directory (global setup), where `npm start` leaves its database's URL for the CLIs. */
function stackDataDir(): string {
  const dir = process.env.E2E_DATA_DIR;
  if (!dir) throw new Error('E2E_DATA_DIR is not set: run through jest (global setup starts the stack)');
  return dir;
}

/** `npm run admin -w api -- grant-role <email>` against the running stack's embedded database. */
async function grantAdmin(email: string): Promise<void> {
  const { stdout } = await run('npm', ['run', '--silent', 'admin', '-w', 'api', '--', 'grant-role', email], {
    cwd: root,
    env: { ...process.env, DATA_DIR: stackDataDir() },
  });
  expect(stdout).toContain('"role":"admin"');
}

/** What an app's backend does: sign in as the subscriber and start a cancel flow for their subscription. */
async function startFlowAs(email: string): Promise<{ url: string; token: string }> {
  const { login } = await apiGql<{ login: { accessToken: string } }>(
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { email, password: PASSWORD } },
  );
  const { me } = await apiGql<{ me: { subscriptions: Array<{ id: string; status: string }> } }>(
    '{ me { subscriptions { id status } } }',
    {},
    login.accessToken,
  );
  const live = me.subscriptions.find((s) => s.status === 'ACTIVE');
  expect(live).toBeDefined();
  const { startCancelFlow } = await apiGql<{ startCancelFlow: { url: string; token: string } }>(
    'mutation ($id: ID!) { startCancelFlow(subscriptionId: $id) { url token } }',
    { id: live!.id },
    login.accessToken,
  );
  return startCancelFlow;
}

async function pickTooExpensive(page: Page, url: string) {
  await page.goto(url);
  await page.getByRole('group', { name: 'Why are you cancelling?' }).locator('input[type="radio"][value="TOO_EXPENSIVE"]').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForSelector('[data-testid="cancel-step"][data-step="offer"]');
}

const mainNav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const numberIn = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute('data-value'));

it('has no Admin link and no admin pages for someone who is not an admin', async () => {
  const anonymous = await newPage(browser);
  const { context, page } = await newPage(browser);
  try {
    // Signed out: the admin pages send you to log in first.
    await anonymous.page.goto('/admin/retention');
    expect(new URL(anonymous.page.url()).pathname).toBe('/login');
    expect(new URL(anonymous.page.url()).searchParams.get('redirectTo')).toBe('/admin/retention');

    await signUpInBrowser(page, 'Not An Admin', 'notadmin');
    await page.goto('/pricing');
    await expect(mainNav(page).getByRole('link', { name: 'Account' }).isVisible()).resolves.toBe(true);
    await expect(mainNav(page).getByRole('link', { name: 'Admin' }).count()).resolves.toBe(0);

    for (const pathname of ['/admin/retention', '/admin/retention/config', '/admin/retention/apps']) {
      const response = await page.goto(pathname);
      expect(response?.status()).toBe(404);
      await expect(page.getByRole('heading', { name: 'Page not found' }).isVisible()).resolves.toBe(true);
    }
    // Nor can the forms be posted to.
    const post = await page.request.post(`${webUrl()}/admin/retention/apps`, { form: { intent: 'create-app', name: 'Sneaky' }, headers: { Origin: webUrl() } });
    expect(post.status()).toBe(404);
  } finally {
    await anonymous.context.close();
    await context.close();
  }
});

it('shows an admin the flow in the analytics, edits the offer a new flow gets, and shows a new private key once', async () => {
  const subscriber = await newPage(browser);
  const { context, page } = await newPage(browser, { phone: false });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // A refused form post (400) is logged by Chromium as a failed resource: expected here.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (dialog) => void dialog.accept());
  try {
    // A subscriber runs the hosted flow and takes the discount.
    const subscriberEmail = await signUpInBrowser(subscriber.page, 'Thrifty Subscriber', 'thrifty');
    await subscribeOnWeb(subscriber.page);
    await expect(subscriber.page.getByTestId('subscribe-outcome').getAttribute('data-outcome')).resolves.toBe('succeeded');
    const first = await startFlowAs(subscriberEmail);
    await pickTooExpensive(subscriber.page, first.url);
    await expect(subscriber.page.getByTestId('cancel-offer').getAttribute('data-kind')).resolves.toBe('DISCOUNT');
    await subscriber.page.getByRole('button', { name: 'Accept offer' }).click();
    await subscriber.page.getByTestId('cancel-outcome').waitFor();
    await expect(subscriber.page.getByTestId('cancel-outcome').getAttribute('data-outcome')).resolves.toBe('saved_discount');

    // Someone becomes an admin with the CLI; the nav shows the Admin link from the next sign-in
    // (or token refresh), as the role travels with the tokens.
    const adminEmail = await signUpInBrowser(page, 'Retention Admin', 'admin');
    await grantAdmin(adminEmail);
    await page.goto('/account');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/account'));
    await logInInBrowser(page, adminEmail);
    await page.goto('/pricing');
    await mainNav(page).getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL('**/admin/retention');

    // Analytics: the default report (last 90 days, by week) counts the subscriber's session.
    await page.getByRole('heading', { name: 'Retention analytics', level: 1 }).waitFor();
    expect(await numberIn(page, 'stat-sessions')).toBeGreaterThanOrEqual(1);
    expect(await numberIn(page, 'stat-offers-accepted')).toBeGreaterThanOrEqual(1);
    await expect(page.getByTestId('stat-revenue').textContent()).resolves.toMatch(/^\$\d+\.\d{2}$/);
    // The charts are SVG in the HTML the server sent (no JavaScript needed to see them).
    const html = await (await page.request.get(`${webUrl()}/admin/retention`)).text();
    expect(html).toMatch(/<svg[^>]*role="img"/);
    expect(html).toContain('class="visx-bar admin-chart__bar');
    expect(await page.locator('[data-testid="chart-periods"] svg rect.visx-bar').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid="chart-offers"] svg rect.visx-bar').count()).toBeGreaterThanOrEqual(1);
    // …and their numbers are in a table too.
    await page.getByTestId('chart-offers').getByText('The numbers behind').click();
    await expect(page.getByTestId('chart-offers').getByRole('row', { name: /Discount/ }).isVisible()).resolves.toBe(true);

    // Loaded as a document, the report hydrates onto the server's SVG without a mismatch
    // (React reports one as a page error, checked through `problems` at the end).
    await page.goto('/admin/retention', { waitUntil: 'networkidle' });
    expect(await page.locator('[data-testid="chart-reasons"] svg rect.visx-bar').count()).toBeGreaterThanOrEqual(1);

    // The filters are a GET form: the URL is the report.
    await page.getByTestId('analytics-filters').getByLabel('Group by').selectOption('MONTH');
    await page.getByTestId('analytics-filters').getByLabel('Store').selectOption('STRIPE');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForURL(/period=MONTH/);
    expect(new URL(page.url()).searchParams.get('store')).toBe('STRIPE');
    expect(await numberIn(page, 'stat-sessions')).toBeGreaterThanOrEqual(1);
    await page.goto('/admin/retention?from=2001-01-01&to=2001-01-31');
    await expect(page.getByTestId('analytics-empty').isVisible()).resolves.toBe(true);

    // Config: the too-expensive discount becomes 40%.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Cancel flow' }).click();
    await page.waitForURL('**/admin/retention/config');
    const tooExpensive = page.getByRole('group', { name: 'Too expensive' });
    await tooExpensive.getByLabel('Percent off').fill('40');
    await tooExpensive.getByLabel('Offer title').fill('40% off for 3 months');
    await tooExpensive.getByLabel('Offer description').fill('Stay on Pro and pay 40% less for the next three months.');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('config-notice').waitFor();
    await expect(page.getByTestId('config-notice').textContent()).resolves.toMatch(/Saved/);
    await expect(tooExpensive.getByLabel('Percent off').inputValue()).resolves.toBe('40');

    // A new flow offers 40%.
    const second = await startFlowAs(subscriberEmail);
    await pickTooExpensive(subscriber.page, second.url);
    await expect(subscriber.page.getByTestId('cancel-offer').textContent()).resolves.toContain('40% off');
    const { cancelFlow } = await apiGql<{ cancelFlow: { offer: { kind: string; percentOff: number } } }>(
      'query ($token: String!) { cancelFlow(token: $token) { offer { kind percentOff } } }',
      { token: second.token },
    );
    expect(cancelFlow.offer).toEqual({ kind: 'DISCOUNT', percentOff: 40 });

    // Bad input: 0% is refused next to the field, and what was typed stays.
    await tooExpensive.getByLabel('Percent off').fill('0');
    await tooExpensive.getByLabel('Label subscribers see').fill('Too pricey for me');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const percent = tooExpensive.getByLabel('Percent off');
    await page.waitForSelector('[id="reasons.TOO_EXPENSIVE.percentOff"][aria-invalid="true"]');
    await expect(page.locator('[id="reasons.TOO_EXPENSIVE.percentOff-error"]').textContent()).resolves.toBe('Enter a whole number from 1 to 100.');
    await expect(percent.inputValue()).resolves.toBe('0');
    await expect(tooExpensive.getByLabel('Label subscribers see').inputValue()).resolves.toBe('Too pricey for me');
    await expect(page.getByTestId('form-error').textContent()).resolves.toMatch(/not saved/);
    // Nothing was saved: the flow still offers 40%.
    const stillSaved = await apiGql<{ cancelFlow: { offer: { percentOff: number } } }>(
      'query ($token: String!) { cancelFlow(token: $token) { offer { percentOff } } }',
      { token: second.token },
    );
    expect(stillSaved.cancelFlow.offer.percentOff).toBe(40);

    // Reset to default (other tests share this stack).
    await page.getByRole('button', { name: 'Reset to default' }).click();
    await page.getByTestId('config-notice').filter({ hasText: 'back to the default' }).waitFor();
    await expect(page.getByRole('group', { name: 'Too expensive' }).getByLabel('Percent off').inputValue()).resolves.toBe('30');

    // Apps: a new app's private key is shown once.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Apps & keys' }).click();
    await page.waitForURL('**/admin/retention/apps');
    const appName = `E2E app ${Date.now().toString(36)}`;
    await page.getByLabel('App name').fill(appName);
    await page.getByRole('button', { name: 'Create app' }).click();
    const secret = page.getByTestId('new-key');
    await secret.waitFor();
    await expect(secret.textContent()).resolves.toMatch(/Copy the private key now/);
    const privateKey = (await page.getByTestId('new-private-key').textContent())!.trim();
    const publicKey = (await page.getByTestId('new-public-key').textContent())!.trim();
    expect(privateKey.length).toBeGreaterThanOrEqual(20);
    await expect(page.getByRole('button', { name: 'Copy private key' }).isVisible()).resolves.toBe(true);
    const app = page.getByTestId('retention-app').filter({ hasText: appName });
    await expect(app.locator(`[data-public-key="${publicKey}"]`).getAttribute('data-revoked')).resolves.toBe('false');

    await page.reload();
    await expect(page.getByTestId('new-key').count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain(privateKey);
    await expect(app.locator(`[data-public-key="${publicKey}"]`).count()).resolves.toBe(1);

    // Rotation: a second key, then the first one revoked (after a confirm).
    await app.getByRole('button', { name: 'Add key' }).click();
    await page.getByTestId('new-key').waitFor();
    await app.getByTestId('app-key').nth(1).waitFor();
    await expect(app.getByTestId('app-key').count()).resolves.toBe(2);
    await app.getByRole('button', { name: `Revoke ${publicKey}` }).click();
    await page.getByTestId('apps-notice').waitFor();
    await expect(app.locator(`[data-public-key="${publicKey}"]`).getAttribute('data-revoked')).resolves.toBe('true');

    expect(problems).toEqual([]);
  } finally {
    await subscriber.context.close();
    await context.close();
  }
});

it('works without JavaScript: field errors keep what was typed, and a new private key is plain text', async () => {
  const { context, page } = await newPage(browser, { javaScriptEnabled: false, phone: false });
  try {
    const email = await signUpInBrowser(page, 'Keyboard Admin', 'nojs-admin');
    await grantAdmin(email);

    await page.goto('/admin/retention/config');
    const unused = page.getByRole('group', { name: 'Unused' });
    await unused.getByLabel('Offer', { exact: true }).selectOption('DISCOUNT');
    await unused.getByLabel('Percent off').fill('150');
    await unused.getByLabel('For how many months').fill('2');
    await unused.getByLabel('Offer title').fill('Half off');
    await page.getByLabel('Title', { exact: true }).fill('Wait a moment');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForSelector('[id="reasons.UNUSED.percentOff-error"]');
    await expect(unused.getByLabel('Offer', { exact: true }).inputValue()).resolves.toBe('DISCOUNT');
    await expect(unused.getByLabel('Percent off').inputValue()).resolves.toBe('150');
    await expect(unused.getByLabel('Offer title').inputValue()).resolves.toBe('Half off');
    await expect(page.getByLabel('Title', { exact: true }).inputValue()).resolves.toBe('Wait a moment');

    await page.goto('/admin/retention/apps');
    await page.getByLabel('App name').fill(`No-JS app ${Date.now().toString(36)}`);
    await page.getByRole('button', { name: 'Create app' }).click();
    const privateKey = (await page.getByTestId('new-private-key').textContent())!.trim();
    expect(privateKey.length).toBeGreaterThanOrEqual(20);
    // The copy button needs JavaScript, so it is not offered without it.
    await expect(page.getByRole('button', { name: 'Copy private key' }).count()).resolves.toBe(0);
    await page.goto('/admin/retention/apps');
    await expect(page.getByTestId('new-key').count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain(privateKey);
  } finally {
    await context.close();
  }
});
