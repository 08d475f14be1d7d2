import type { Browser, FrameLocator, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser';
import { appAccountTokenOf, buyOnIPhone, signUpInBrowser, subscribeOnWeb } from '../support/journeys';

// The retention flow from the account page on the real `npm start` stack (local Stripe and App
// Store sandboxes). With JavaScript, "Cancel subscription" opens the flow in a modal over the
// account page (the React <CancelFlow>, the same core as /cancel-flow.js); without it, the
// button leads to the hosted page, which works without a sign-in too.

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser.close());

async function subscribe(page: Page) {
  await signUpInBrowser(page, 'Leaving Customer', 'cancel');
  await subscribeOnWeb(page);
  await expect(page.getByTestId('subscribe-outcome').getAttribute('data-outcome')).resolves.toBe('succeeded');
}

/** Opens the modal from the account page; returns the flow inside its iframe. */
async function openFlowModal(page: Page): Promise<FrameLocator> {
  await page.getByRole('button', { name: 'Cancel subscription' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel your subscription' });
  await dialog.waitFor();
  await expect(dialog.getAttribute('aria-modal')).resolves.toBe('true');
  const flow = page.frameLocator('iframe.crossbill-cf__frame');
  // Interactive: the flow's script ran (a real tap may come earlier; the page copes, see the no-JS test).
  await flow.locator('[data-testid="cancel-step"][data-hydrated]').waitFor();
  return flow;
}

async function chooseReason(flow: FrameLocator, reason: string) {
  await flow.getByRole('group', { name: 'Why are you cancelling?' }).locator(`input[type="radio"][value="${reason}"]`).check();
  await flow.getByRole('button', { name: 'Continue' }).click();
  await flow.locator('[data-testid="cancel-step"][data-step="offer"][data-hydrated]').waitFor();
}

// The percentage is whatever the flow configuration says at that moment: admin-retention.e2e.ts
// edits it on the same stack while this file runs.
it('asks why, offers a discount, and the account page shows the discount once it is accepted (modal, JavaScript)', async () => {
  const { context, page } = await newPage(browser);
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  try {
    await subscribe(page);
    await page.goto('/account');
    await expect(page.getByTestId('subscription-status').getAttribute('data-status')).resolves.toBe('ACTIVE');
    await expect(page.getByTestId('subscription-discount').count()).resolves.toBe(0);

    const flow = await openFlowModal(page);
    // The page never left the account; the flow is in the modal, compact, with the admin's copy.
    expect(new URL(page.url()).pathname).toBe('/account');
    await expect(flow.locator('[data-testid="cancel-step"]').getAttribute('data-step')).resolves.toBe('reason');
    await expect(flow.locator('.site-header').isVisible()).resolves.toBe(false);
    await expect(flow.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Before you go');
    // The flow's colours (the checked-in appearance) are on the flow as custom properties.
    await expect(flow.getByTestId('cancel-step').evaluate((el) => getComputedStyle(el).getPropertyValue('--cf-accent').trim())).resolves.toBe('#4f46e5');

    await chooseReason(flow, 'TOO_EXPENSIVE');
    const offer = flow.getByTestId('cancel-offer');
    await expect(offer.getAttribute('data-kind')).resolves.toBe('DISCOUNT');
    await expect(offer.textContent()).resolves.toMatch(/%/);
    await expect(flow.getByRole('button', { name: 'No thanks, cancel' }).isVisible()).resolves.toBe(true);

    await flow.getByRole('button', { name: 'Accept offer' }).click();
    const outcome = flow.getByTestId('cancel-outcome');
    await outcome.waitFor();
    await expect(outcome.getAttribute('data-outcome')).resolves.toBe('saved_discount');

    // onComplete revalidated the account behind the modal; Done closes it.
    await flow.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const discount = page.getByTestId('subscription-discount');
    await discount.waitFor();
    await expect(discount.textContent()).resolves.toMatch(/^\d{1,3}% off until \d{1,2} [A-Z][a-z]{2} \d{4}$/);
    await expect(page.getByTestId('subscription-status').getAttribute('data-status')).resolves.toBe('ACTIVE');
    await expect(page.getByTestId('subscription-renewal').textContent()).resolves.toMatch(/Renews on/);
    // Focus went back to the button that opened the flow.
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Cancel subscription');

    // It survives a reload: the discount comes from the store subscription itself.
    await page.reload();
    await expect(page.getByTestId('subscription-discount').textContent()).resolves.toMatch(/^\d{1,3}% off until /);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

it('the modal is a dialog: focus moves into it, Escape closes it and gives focus back, nothing changed', async () => {
  const { context, page } = await newPage(browser, { phone: false });
  try {
    await subscribe(page);
    await page.goto('/account');
    const flow = await openFlowModal(page);
    // Focus is inside the flow's frame, not on the page behind.
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.toBe('IFRAME');
    await flow.getByRole('group', { name: 'Why are you cancelling?' }).locator('input[type="radio"]').first().focus();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Cancel subscription');

    // "Keep my subscription" closes it as well.
    const again = await openFlowModal(page);
    await again.getByRole('link', { name: 'Keep my subscription' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe('/account');
    await expect(page.getByTestId('subscription-renewal').textContent()).resolves.toMatch(/Renews on/);

    // Cancelling for real: the page behind already says so, but the modal stays until Done.
    const third = await openFlowModal(page);
    await chooseReason(third, 'SWITCHED_SERVICE');
    await third.getByRole('button', { name: 'No thanks, cancel' }).click();
    await expect(third.getByTestId('cancel-outcome').getAttribute('data-outcome')).resolves.toBe('canceled');
    await page.getByRole('button', { name: 'Resume subscription' }).waitFor({ state: 'attached' });
    await expect(page.getByRole('dialog').count()).resolves.toBe(1);
    await third.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect(page.getByTestId('subscription-renewal').textContent()).resolves.toMatch(/Ends on/);

    // Resuming brings the button back, and nothing reopens a spent flow by itself.
    await page.getByRole('button', { name: 'Resume subscription' }).click();
    await page.getByRole('button', { name: 'Cancel subscription' }).waitFor();
    await page.waitForTimeout(500);
    await expect(page.getByRole('dialog').count()).resolves.toBe(0);
  } finally {
    await context.close();
  }
});

it('works without JavaScript and without signing in: the token alone leads to a cancellation', async () => {
  const { context, page } = await newPage(browser);
  const signedInBare = await newPage(browser, { javaScriptEnabled: false });
  const bare = await newPage(browser, { javaScriptEnabled: false });
  try {
    await subscribe(page);
    // The same account without JavaScript: the button posts, and the action redirects to the hosted page.
    await signedInBare.context.addCookies(await context.cookies());
    await signedInBare.page.goto('/account');
    await signedInBare.page.getByRole('button', { name: 'Cancel subscription' }).click();
    await signedInBare.page.waitForURL('**/cancel/**');
    const cancelPath = new URL(signedInBare.page.url()).pathname;

    // Another browser, no cookie, no JavaScript: the comment box is always there.
    await bare.page.goto(cancelPath);
    await expect(bare.page.getByTestId('cancel-step').getAttribute('data-step')).resolves.toBe('reason');
    await bare.page.locator('input[type="radio"][value="SWITCHED_SERVICE"]').check();
    await bare.page.getByLabel('Tell us more (optional)').fill('Found one that fits my team.');
    await bare.page.getByRole('button', { name: 'Continue' }).click();
    await bare.page.waitForSelector('[data-testid="cancel-step"][data-step="offer"]');
    await expect(bare.page.getByTestId('cancel-offer').getAttribute('data-kind')).resolves.toBe('NONE');
    await expect(bare.page.getByRole('button', { name: 'Accept offer' }).count()).resolves.toBe(0);

    await bare.page.getByRole('button', { name: 'No thanks, cancel' }).click();
    const outcome = bare.page.getByTestId('cancel-outcome');
    await outcome.waitFor();
    await expect(outcome.getAttribute('data-outcome')).resolves.toBe('canceled');
    await expect(bare.page.getByRole('link', { name: 'Back to your account' }).isVisible()).resolves.toBe(true);

    await page.goto('/account');
    await expect(page.getByTestId('subscription-renewal').textContent()).resolves.toMatch(/Ends on/);
    await expect(page.getByRole('button', { name: 'Resume subscription' }).isVisible()).resolves.toBe(true);

    // The link is spent: opening it again shows the outcome, not the form.
    await bare.page.goto(cancelPath);
    await expect(bare.page.getByTestId('cancel-step').getAttribute('data-step')).resolves.toMatch(/done|unusable/);
  } finally {
    await bare.context.close();
    await signedInBare.context.close();
    await context.close();
  }
});

it('an App Store subscriber can start the flow on the web; declining points to the App Store', async () => {
  const { context, page } = await newPage(browser);
  try {
    await signUpInBrowser(page, 'iPhone Leaver', 'cancel-iap');
    expect(await buyOnIPhone(await appAccountTokenOf(page))).toMatchObject({ notificationType: 'SUBSCRIBED', delivered: true });
    await page.reload();
    await expect(page.getByTestId('subscription-store').textContent()).resolves.toMatch(/App Store/);

    const flow = await openFlowModal(page);
    await chooseReason(flow, 'SWITCHED_SERVICE');
    await expect(flow.getByTestId('cancel-offer').textContent()).resolves.toMatch(/App Store/);
    await flow.getByRole('button', { name: 'No thanks, cancel' }).click();
    const outcome = flow.getByTestId('cancel-outcome');
    await outcome.waitFor();
    await expect(outcome.getAttribute('data-outcome')).resolves.toBe('manage_in_app_store');
    const manage = flow.getByRole('link', { name: 'Manage in the App Store' });
    await expect(manage.getAttribute('href')).resolves.toMatch(/^https:\/\/apps\.apple\.com\//);
    // Out of the frame: a new tab, never inside the modal.
    await expect(manage.getAttribute('target')).resolves.toBe('_blank');

    await flow.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    // Nothing changed here: only Apple cancels an App Store subscription.
    await expect(page.getByTestId('subscription-status').getAttribute('data-status')).resolves.toBe('ACTIVE');
  } finally {
    await context.close();
  }
});

it('shows a calm page with a way back for a link that does not work', async () => {
  const { context, page } = await newPage(browser, { javaScriptEnabled: false });
  try {
    await page.goto('/cancel/not-a-real-token');
    await expect(page.getByTestId('cancel-step').getAttribute('data-step')).resolves.toBe('unusable');
    await expect(page.getByRole('link', { name: 'Back to your account' }).isVisible()).resolves.toBe(true);
  } finally {
    await context.close();
  }
});
