import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage } from '../support/browser';
import { signUpInBrowser, subscribeOnWeb } from '../support/journeys';

// Issue 7's hosted retention flow on the real `npm start` stack (local Stripe sandbox):
// subscribe with 4242 → /account → "Cancel subscription" → /cancel/<token> → reason
// TOO_EXPENSIVE → the discount offer → "Accept offer" → saved, still active on /account.

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

it('asks why, offers a discount, and keeps the subscription when the offer is accepted', async () => {
  const { context, page } = await newPage(browser);
  const errors: Error[] = [];
  page.on('pageerror', (e) => errors.push(e));
  try {
    await subscribe(page);
    await page.goto('/account');
    await expect(page.getByTestId('subscription-status').getAttribute('data-status')).resolves.toBe('ACTIVE');

    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.waitForURL('**/cancel/**');
    const step = page.getByTestId('cancel-step');
    await expect(step.getAttribute('data-step')).resolves.toBe('reason');

    const reasons = page.getByRole('group', { name: 'Why are you cancelling?' });
    await reasons.locator('input[type="radio"][value="TOO_EXPENSIVE"]').check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForSelector('[data-testid="cancel-step"][data-step="offer"]');
    const offer = page.getByTestId('cancel-offer');
    await expect(offer.getAttribute('data-kind')).resolves.toBe('DISCOUNT');
    await expect(offer.textContent()).resolves.toMatch(/%/);
    await expect(page.getByRole('button', { name: 'No thanks, cancel' }).isVisible()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Accept offer' }).click();
    const outcome = page.getByTestId('cancel-outcome');
    await outcome.waitFor();
    await expect(outcome.getAttribute('data-outcome')).resolves.toBe('saved_discount');

    await page.getByRole('link', { name: 'Back to your account' }).click();
    await page.waitForURL('**/account');
    await expect(page.getByTestId('subscription-status').getAttribute('data-status')).resolves.toBe('ACTIVE');
    await expect(page.getByTestId('subscription-renewal').textContent()).resolves.toMatch(/Renews on/);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

it('works without JavaScript and without signing in: the token alone leads to a cancellation', async () => {
  const { context, page } = await newPage(browser);
  const bare = await newPage(browser, { javaScriptEnabled: false });
  try {
    await subscribe(page);
    await page.goto('/account');
    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.waitForURL('**/cancel/**');
    const cancelPath = new URL(page.url()).pathname;

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
