import Stripe from 'stripe';
import { startStripeSandbox, type StripeSandbox } from '../../../sandbox/stripe/src';
import { plans } from '../../src/billing/plans';
import { syncStripeCatalogue } from '../../src/billing/stripe/stripe-catalogue';
import { StripeCustomerEntity } from '../../src/billing/stripe/stripe-customer.entity';
import { startApiWithStores, STRIPE_WEBHOOK_SECRET, type StoresAndApi } from '../support/store-sandboxes';
import { errorCode, signUp, startTestApi, type TestApi } from '../support/test-api';

// The whole web-payment loop through the real stripe SDK and the local Stripe sandbox:
// GraphQL → Stripe API → payment → signed webhooks → inbox → store_subscription → GraphQL.

const WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET;
let stores: StoresAndApi;
let sandbox: StripeSandbox;
let t: TestApi;
let stripe: Stripe;

beforeAll(async () => {
  stores = await startApiWithStores();
  ({ t, stripe, stripeSandbox: sandbox } = stores);
});
afterAll(() => stores?.close());

const SUBSCRIPTION_FIELDS = 'id store status willRenew currentPeriodEnd canceledAt managementUrl plan { key }';
const CREATE = `mutation ($plan: ID!) { createSubscription(planKey: $plan) { clientSecret publishableKey subscription { ${SUBSCRIPTION_FIELDS} } } }`;
const MY_SUBSCRIPTIONS = `{ me { subscriptions { ${SUBSCRIPTION_FIELDS} } } }`;

type User = Awaited<ReturnType<typeof signUp>>;

async function subscriptionsOf(user: User) {
  await sandbox.webhooksIdle();
  const result = await t.gql(MY_SUBSCRIPTIONS, {}, { token: user.accessToken });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.me.subscriptions as Array<{ id: string; status: string; willRenew: boolean; currentPeriodEnd: string; plan: { key: string } | null }>;
}

async function create(user: User, plan = 'pro-monthly') {
  const result = await t.gql(CREATE, { plan }, { token: user.accessToken });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.createSubscription as { clientSecret: string; publishableKey: string; subscription: { id: string; status: string } };
}

const paymentIntentOf = (clientSecret: string) => clientSecret.split('_secret_')[0]!;

/** Subscribes and pays with a test payment method, server-side, as Stripe.js would. */
async function subscribeAndPay(user: User, plan = 'pro-monthly', paymentMethod = 'pm_card_visa') {
  const created = await create(user, plan);
  await stripe.paymentIntents.confirm(paymentIntentOf(created.clientSecret), { payment_method: paymentMethod });
  return created;
}

/** A user whose Stripe customer lives on a test clock, so the test can move time. */
async function userOnTestClock() {
  const user = await signUp(t);
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  const customer = await stripe.customers.create({ email: user.user.email, test_clock: clock.id });
  await t.dataSource.getRepository(StripeCustomerEntity).insert({ userId: user.user.id, customerId: customer.id });
  const advance = async (days: number) => {
    const current = await stripe.testHelpers.testClocks.retrieve(clock.id);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: current.frozen_time + days * 86_400 });
    await sandbox.webhooksIdle();
  };
  return { user, clock, customer, advance };
}

/** A paid subscription on a test clock whose card will fail at the next renewal. */
async function paidSubscriptionWithFailingCard() {
  const { user, customer, advance } = await userOnTestClock();
  const created = await subscribeAndPay(user);
  const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
  const stripeId: string = (await t.dataSource.query(`SELECT store_id FROM store_subscription WHERE id = $1`, [created.subscription.id]))[0].store_id;
  await stripe.subscriptions.update(stripeId, { default_payment_method: failing.id });
  return { user, customer, advance, stripeId };
}

describe('plans', () => {
  it('lists the catalogue with prices as shown', async () => {
    const result = await t.gql(`{ plans { key name amount currency interval priceLabel entitlements } }`);
    expect(result.data.plans).toEqual([
      expect.objectContaining({ key: 'pro-monthly', amount: 900, currency: 'usd', interval: 'MONTH', priceLabel: '$9.00 / month', entitlements: ['pro'] }),
      expect.objectContaining({ key: 'pro-yearly', interval: 'YEAR', priceLabel: '$90.00 / year' }),
    ]);
  });

  it('syncs the catalogue idempotently', async () => {
    const again = await syncStripeCatalogue(stripe, plans);
    expect(again.map((c) => c.action)).toEqual(['unchanged', 'unchanged']);
    const prices = await stripe.prices.list({ lookup_keys: ['crossbill_pro_monthly'] });
    expect(prices.data).toHaveLength(1);
  });
});

describe('subscribing', () => {
  it('creates an incomplete subscription with a client secret, then the payment makes it active', async () => {
    const user = await signUp(t);
    const created = await create(user);
    expect(created.publishableKey).toBe(sandbox.publishableKey);
    expect(created.clientSecret).toMatch(/^pi_.+_secret_/);
    expect(created.subscription).toMatchObject({ status: 'INCOMPLETE' });

    await stripe.paymentIntents.confirm(paymentIntentOf(created.clientSecret), { payment_method: 'pm_card_visa' });
    const [subscription] = await subscriptionsOf(user);
    expect(subscription).toMatchObject({ id: created.subscription.id, status: 'ACTIVE', willRenew: true, plan: { key: 'pro-monthly' } });
    expect(Date.parse(subscription!.currentPeriodEnd)).toBeGreaterThan(Date.now() + 25 * 86_400_000);
  });

  it('returns the same pending subscription when asked twice, and never makes a second customer', async () => {
    const user = await signUp(t);
    const [a, b] = await Promise.all([create(user), create(user)]);
    expect(b.subscription.id).toBe(a.subscription.id);
    expect(b.clientSecret).toBe(a.clientSecret);
    const again = await create(user);
    expect(again.subscription.id).toBe(a.subscription.id);
    const customers = await stripe.customers.list({ email: user.user.email });
    expect(customers.data).toHaveLength(1);
    expect((await stripe.subscriptions.list({ customer: customers.data[0]!.id })).data).toHaveLength(1);
  });

  it('refuses a second subscription while one is active, naming the store', async () => {
    const user = await signUp(t);
    await subscribeAndPay(user);
    await subscriptionsOf(user);
    const result = await t.gql(CREATE, { plan: 'pro-yearly' }, { token: user.accessToken });
    expect(errorCode(result)).toBe('ALREADY_SUBSCRIBED');
    expect(result.errors![0]!.extensions!.store).toBe('STRIPE');
  });

  it('rejects an unknown plan and an anonymous caller', async () => {
    const user = await signUp(t);
    expect(errorCode(await t.gql(CREATE, { plan: 'gold' }, { token: user.accessToken }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await t.gql(CREATE, { plan: 'pro-monthly' }))).toBe('UNAUTHENTICATED');
  });

  it('stays incomplete when the card is declined', async () => {
    const user = await signUp(t);
    const created = await create(user);
    await expect(stripe.paymentIntents.confirm(paymentIntentOf(created.clientSecret), { payment_method: 'pm_card_chargeDeclined' })).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
    });
    expect((await subscriptionsOf(user))[0]!.status).toBe('INCOMPLETE');
  });

  it('stays incomplete while the card needs authentication', async () => {
    const user = await signUp(t);
    const created = await create(user);
    const intent = await stripe.paymentIntents.confirm(paymentIntentOf(created.clientSecret), { payment_method: 'pm_card_authenticationRequired' });
    expect(intent.status).toBe('requires_action');
    expect((await subscriptionsOf(user))[0]!.status).toBe('INCOMPLETE');
  });

  it('reconciles from Stripe on request, before any webhook arrives', async () => {
    const quiet = await startStripeSandbox({ port: 0 }); // no webhook endpoint at all
    const api = await startTestApi({
      STRIPE_SECRET_KEY: quiet.secretKey,
      STRIPE_PUBLISHABLE_KEY: quiet.publishableKey,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_URL: quiet.url,
    });
    try {
      const url = new URL(quiet.url);
      const quietStripe = new Stripe(quiet.secretKey, { host: url.hostname, port: Number(url.port), protocol: 'http' });
      await syncStripeCatalogue(quietStripe, plans);
      const user = await signUp(api);
      const created = (await api.gql(CREATE, { plan: 'pro-monthly' }, { token: user.accessToken })).data.createSubscription;
      await quietStripe.paymentIntents.confirm(paymentIntentOf(created.clientSecret), { payment_method: 'pm_card_visa' });
      const stale = await api.gql(MY_SUBSCRIPTIONS, {}, { token: user.accessToken });
      expect(stale.data.me.subscriptions[0].status).toBe('INCOMPLETE');
      const refreshed = await api.gql(`mutation ($id: ID!) { refreshSubscription(id: $id) { status } }`, { id: created.subscription.id }, { token: user.accessToken });
      expect(refreshed.data.refreshSubscription.status).toBe('ACTIVE');
    } finally {
      await api.close();
      await quiet.close();
    }
  });

  it('offers hosted Checkout and the billing portal, dropping a pay-page attempt left pending', async () => {
    const user = await signUp(t);
    const pending = await create(user);
    const checkout = await t.gql(`mutation { createCheckoutSession(planKey: "pro-yearly") { url } }`, {}, { token: user.accessToken });
    expect(checkout.data.createCheckoutSession.url).toMatch(/^http/);
    const portal = await t.gql(`mutation { createBillingPortalSession { url } }`, {}, { token: user.accessToken });
    expect(portal.data.createBillingPortalSession.url).toMatch(/^http/);
    const [abandoned] = await subscriptionsOf(user);
    expect(abandoned).toMatchObject({ id: pending.subscription.id, status: 'EXPIRED' });
  });
});

describe('lifecycle', () => {
  it('renews on the test clock: the period moves on and it stays active', async () => {
    const { user, advance } = await userOnTestClock();
    await subscribeAndPay(user);
    const before = (await subscriptionsOf(user))[0]!;
    await advance(32);
    const after = (await subscriptionsOf(user))[0]!;
    expect(after.status).toBe('ACTIVE');
    expect(Date.parse(after.currentPeriodEnd)).toBeGreaterThan(Date.parse(before.currentPeriodEnd));
  });

  it('a failed renewal is a grace period; paying the open invoice recovers it', async () => {
    const { user, customer, advance, stripeId } = await paidSubscriptionWithFailingCard();
    await advance(32);
    expect((await subscriptionsOf(user))[0]!.status).toBe('IN_GRACE_PERIOD');

    const open = (await stripe.invoices.list({ subscription: stripeId, status: 'open' })).data[0]!;
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    await stripe.invoices.pay(open.id!, { payment_method: visa.id });
    expect((await subscriptionsOf(user))[0]!.status).toBe('ACTIVE');
  });

  it('a renewal that keeps failing ends the subscription', async () => {
    const { user, advance } = await paidSubscriptionWithFailingCard();
    await advance(32);
    for (let i = 0; i < 6; i++) await advance(7);
    const [subscription] = await subscriptionsOf(user);
    // The sandbox, like a default Stripe account, cancels after the last retry fails.
    expect(subscription).toMatchObject({ status: 'EXPIRED', willRenew: false });
  });

  it('cancels at period end, resumes, and ends at the period end', async () => {
    const { user, advance } = await userOnTestClock();
    const { subscription } = await subscribeAndPay(user);
    const cancel = await t.gql(`mutation ($id: ID!) { cancelSubscription(id: $id) { status willRenew } }`, { id: subscription.id }, { token: user.accessToken });
    expect(cancel.data.cancelSubscription).toEqual({ status: 'ACTIVE', willRenew: false });
    const resume = await t.gql(`mutation ($id: ID!) { resumeSubscription(id: $id) { status willRenew } }`, { id: subscription.id }, { token: user.accessToken });
    expect(resume.data.resumeSubscription).toEqual({ status: 'ACTIVE', willRenew: true });
    await t.gql(`mutation ($id: ID!) { cancelSubscription(id: $id) { id } }`, { id: subscription.id }, { token: user.accessToken });
    await advance(32);
    const [ended] = await subscriptionsOf(user);
    expect(ended).toMatchObject({ status: 'EXPIRED', willRenew: false });
  });

  it('previews and applies a plan change with proration', async () => {
    const user = await signUp(t);
    const { subscription } = await subscribeAndPay(user);
    await subscriptionsOf(user);
    const preview = await t.gql(
      `mutation ($id: ID!) { previewPlanChange(subscriptionId: $id, planKey: "pro-yearly") { amountDue currency nextAmount nextBillingAt } }`,
      { id: subscription.id },
      { token: user.accessToken },
    );
    expect(preview.errors).toBeUndefined();
    expect(preview.data.previewPlanChange.amountDue).toBeGreaterThan(0);
    expect(preview.data.previewPlanChange.amountDue).toBeLessThan(9000);
    expect(preview.data.previewPlanChange.nextAmount).toBe(9000);
    // A new interval restarts the billing cycle: the next charge is a year away, not a month.
    expect(Date.parse(preview.data.previewPlanChange.nextBillingAt)).toBeGreaterThan(Date.now() + 360 * 86_400_000);
    const changed = await t.gql(`mutation ($id: ID!) { changePlan(subscriptionId: $id, planKey: "pro-yearly") { plan { key } status } }`, { id: subscription.id }, { token: user.accessToken });
    expect(changed.data.changePlan).toEqual({ plan: { key: 'pro-yearly' }, status: 'ACTIVE' });
    expect((await subscriptionsOf(user))[0]!.plan!.key).toBe('pro-yearly');
  });

  it('a full refund revokes the subscription', async () => {
    const user = await signUp(t);
    const created = await subscribeAndPay(user);
    await subscriptionsOf(user);
    await stripe.refunds.create({ payment_intent: paymentIntentOf(created.clientSecret) });
    const [subscription] = await subscriptionsOf(user);
    expect(subscription).toMatchObject({ status: 'REVOKED', willRenew: false });
  });

  it('an old event delivered late does not roll the state back', async () => {
    const user = await signUp(t);
    const created = await subscribeAndPay(user);
    await subscriptionsOf(user);
    const stripeId = (await t.dataSource.query(`SELECT store_id FROM store_subscription WHERE id = $1`, [created.subscription.id]))[0].store_id;
    const events = await stripe.events.list({ type: 'customer.subscription.created', limit: 100 });
    const old = events.data.find((e) => (e.data.object as Stripe.Subscription).id === stripeId)!;
    expect((old.data.object as Stripe.Subscription).status).toBe('incomplete');
    const replay = JSON.stringify({ ...old, id: `${old.id}_late_copy` });
    const signature = stripe.webhooks.generateTestHeaderString({ payload: replay, secret: WEBHOOK_SECRET });
    const res = await fetch(`${t.url}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body: replay });
    expect(res.status).toBe(200);
    expect((await subscriptionsOf(user))[0]!.status).toBe('ACTIVE');
  });

  it('billing details show the card and the paid invoice', async () => {
    const user = await signUp(t);
    await subscribeAndPay(user);
    await subscriptionsOf(user);
    const result = await t.gql(
      `{ me { billing { defaultPaymentMethod { brand last4 expMonth expYear } invoices { status amountPaid currency hostedInvoiceUrl } } } }`,
      {},
      { token: user.accessToken },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.me.billing.defaultPaymentMethod).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(result.data.me.billing.invoices[0]).toMatchObject({ status: 'paid', amountPaid: 900, currency: 'usd' });
  });

  it("cannot touch another user's subscription", async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const { subscription } = await subscribeAndPay(owner);
    const result = await t.gql(`mutation ($id: ID!) { cancelSubscription(id: $id) { id } }`, { id: subscription.id }, { token: other.accessToken });
    expect(errorCode(result)).toBe('NOT_FOUND');
  });
});
