/** The first payment of a default_incomplete subscription, confirmed server-side as the API's tests do. */
import Stripe from 'stripe';
import { Harness, catalog, piFromSecret, startHarness, subscribe } from './support/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function started() {
  const c = await catalog(h.stripe);
  const sub = await subscribe(h.stripe, c.customer.id, c.monthly.id);
  const inv = sub.latest_invoice as Stripe.Invoice;
  return { ...c, sub, inv, pi: piFromSecret(inv.confirmation_secret!.client_secret) };
}

test('subscribe → pay with pm_card_visa → active, invoice paid, signed events delivered in order', async () => {
  const { sub, inv, pi, customer } = await started();
  expect(sub.status).toBe('incomplete');
  expect(inv.status).toBe('open');
  expect(inv.confirmation_secret).toEqual({ client_secret: expect.stringMatching(/^pi_\w+_secret_\w+$/), type: 'payment_intent' });
  expect(inv.amount_due).toBe(1000);
  expect(inv.parent?.subscription_details?.subscription).toBe(sub.id);
  expect((inv as unknown as { subscription: string }).subscription).toBe(sub.id);
  expect(sub.items.data[0]!.current_period_end).toBeGreaterThan(sub.items.data[0]!.current_period_start);

  const confirmed = await h.stripe.paymentIntents.confirm(pi, { payment_method: 'pm_card_visa' });
  expect(confirmed.status).toBe('succeeded');
  const after = await h.stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice.payments', 'default_payment_method'] });
  expect(after.status).toBe('active');
  const pm = after.default_payment_method as Stripe.PaymentMethod;
  expect(pm.card).toMatchObject({ brand: 'visa', last4: '4242' });
  expect(pm.customer).toBe(customer.id);
  const paid = after.latest_invoice as Stripe.Invoice;
  expect(paid).toMatchObject({ status: 'paid', amount_paid: 1000, amount_remaining: 0 });
  expect(paid.payments!.data[0]).toMatchObject({ status: 'paid', payment: { type: 'payment_intent', payment_intent: pi } });

  await h.sandbox.webhooksIdle();
  const types = h.receiver.types();
  const order = [
    'customer.subscription.created',
    'invoice.created',
    'invoice.finalized',
    'charge.succeeded',
    'payment_intent.succeeded',
    'invoice.paid',
    'customer.subscription.updated',
  ];
  const positions = order.map((t) => types.indexOf(t));
  expect(positions.every((p) => p >= 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  const updated = h.receiver.ofType<Stripe.CustomerSubscriptionUpdatedEvent>('customer.subscription.updated')[0]!;
  expect(updated.data.object.status).toBe('active');
  expect(updated.data.previous_attributes).toMatchObject({ status: 'incomplete' });
  expect(updated.api_version).toBe('2026-10-28.endive');
  expect(updated.request?.id).toMatch(/^req_/);
  // The signature verifies with the SDK, and fails with another secret.
  const { raw, signature } = h.receiver.events[0]!;
  expect(() => h.stripe.webhooks.constructEvent(raw, signature, 'whsec_other')).toThrow();
  // Events are listable, newest first.
  const listed = await h.stripe.events.list({ type: 'invoice.paid' });
  expect(listed.data[0]!.data.object).toMatchObject({ id: inv.id, status: 'paid' });
  expect((await h.stripe.events.retrieve(listed.data[0]!.id)).type).toBe('invoice.paid');
});

test('a declined card: 402 card_error, subscription stays incomplete, failure events', async () => {
  const { sub, inv, pi } = await started();
  const err = await h.stripe.paymentIntents.confirm(pi, { payment_method: 'pm_card_chargeDeclined' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
  expect(err).toMatchObject({ statusCode: 402, type: 'StripeCardError', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' });
  const intent = await h.stripe.paymentIntents.retrieve(pi);
  expect(intent.status).toBe('requires_payment_method');
  expect(intent.last_payment_error).toMatchObject({ code: 'card_declined', type: 'card_error' });
  expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('incomplete');
  expect((await h.stripe.invoices.retrieve(inv.id!)).status).toBe('open');
  await h.sandbox.webhooksIdle();
  expect(h.receiver.types()).toEqual(expect.arrayContaining(['charge.failed', 'payment_intent.payment_failed', 'invoice.payment_failed']));
  // A second attempt with a good card succeeds.
  await h.stripe.paymentIntents.confirm(pi, { payment_method: 'pm_card_visa' });
  expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
});

test('authentication required: requires_action, then completed or failed through the test helper', async () => {
  const { sub, pi } = await started();
  const intent = await h.stripe.paymentIntents.confirm(pi, { payment_method: 'pm_card_authenticationRequired' });
  expect(intent.status).toBe('requires_action');
  expect(intent.next_action?.type).toBe('use_stripe_sdk');
  expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('incomplete');

  const failed = await h.stripe.rawRequest('POST', `/v1/test_helpers/payment_intents/${pi}/authenticate`, { outcome: 'fail' });
  expect(failed).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'payment_intent_authentication_failure' } });

  const again = await h.stripe.paymentIntents.confirm(pi, { payment_method: 'pm_card_authenticationRequired', return_url: 'http://localhost/return' });
  expect(again.next_action).toMatchObject({ type: 'redirect_to_url', redirect_to_url: { return_url: 'http://localhost/return' } });
  const done = await h.stripe.rawRequest('POST', `/v1/test_helpers/payment_intents/${pi}/authenticate`, { outcome: 'succeed' });
  expect(done).toMatchObject({ status: 'succeeded' });
  expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  await h.sandbox.webhooksIdle();
  expect(h.receiver.types()).toEqual(expect.arrayContaining(['payment_intent.requires_action', 'invoice.payment_action_required', 'payment_intent.succeeded']));
});

test('refund → charge.refunded; dispute test helper → charge.dispute.created', async () => {
  const { pi } = await started();
  const paid = await h.stripe.paymentIntents.confirm(pi, { payment_method: 'pm_card_visa' });
  const partial = await h.stripe.refunds.create({ charge: paid.latest_charge as string, amount: 400 });
  expect(partial).toMatchObject({ object: 'refund', amount: 400, status: 'succeeded' });
  const full = await h.stripe.refunds.create({ payment_intent: pi });
  expect(full.amount).toBe(600);
  const charge = await h.stripe.charges.retrieve(paid.latest_charge as string);
  expect(charge).toMatchObject({ amount_refunded: 1000, refunded: true });
  expect(charge.refunds?.data).toHaveLength(2);
  await expect(h.stripe.refunds.create({ payment_intent: pi })).rejects.toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });

  const dispute = (await h.stripe.rawRequest('POST', `/v1/test_helpers/charges/${charge.id}/dispute`, { reason: 'fraudulent' })) as unknown as Stripe.Dispute;
  expect(dispute).toMatchObject({ object: 'dispute', charge: charge.id, status: 'needs_response', reason: 'fraudulent' });
  await h.sandbox.webhooksIdle();
  const refunded = h.receiver.ofType<Stripe.ChargeRefundedEvent>('charge.refunded');
  expect(refunded).toHaveLength(2);
  expect(refunded[1]!.data.object.refunded).toBe(true);
  expect(refunded[1]!.data.previous_attributes).toMatchObject({ amount_refunded: 400, refunded: false });
  expect(h.receiver.ofType<Stripe.ChargeDisputeCreatedEvent>('charge.dispute.created')[0]!.data.object.id).toBe(dispute.id);
});

test('a payment intent can be read and confirmed with the publishable key and client secret only', async () => {
  const { inv, pi } = await started();
  const browser = new Stripe(h.sandbox.publishableKey, { host: '127.0.0.1', port: h.sandbox.port, protocol: 'http' });
  const secret = inv.confirmation_secret!.client_secret;
  const read = await browser.paymentIntents.retrieve(pi, { client_secret: secret });
  expect(read.status).toBe('requires_payment_method');
  await expect(browser.paymentIntents.retrieve(pi, { client_secret: 'wrong' })).rejects.toMatchObject({ statusCode: 404 });
  await expect(browser.customers.list()).rejects.toMatchObject({ statusCode: 401 });
  const res = await fetch(`${h.sandbox.url}/v1/payment_intents/${pi}/confirm`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `key=${h.sandbox.publishableKey}&client_secret=${secret}&payment_method_data[type]=card&payment_method_data[card][number]=4000000000009995&payment_method_data[card][exp_month]=12&payment_method_data[card][exp_year]=2034`,
  });
  expect(res.status).toBe(402);
  expect(((await res.json()) as { error: unknown }).error).toMatchObject({ type: 'card_error', code: 'card_declined', message: 'Your card was declined.' });
});
