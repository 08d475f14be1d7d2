/** Time travel with test clocks: renewals, failed renewals and retries, expiry, cancellation, plan changes. */
import Stripe from 'stripe';
import { DAY, Harness, catalog, piFromSecret, startHarness, subscribe } from './support/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function active(price: 'monthly' | 'yearly' = 'monthly') {
  const c = await catalog(h.stripe);
  const sub = await subscribe(h.stripe, c.customer.id, c[price].id);
  const inv = sub.latest_invoice as Stripe.Invoice;
  await h.stripe.paymentIntents.confirm(piFromSecret(inv.confirmation_secret!.client_secret), { payment_method: 'pm_card_visa' });
  const advance = async (days: number) => {
    const clock = await h.stripe.testHelpers.testClocks.retrieve(c.clock.id);
    const res = await h.stripe.testHelpers.testClocks.advance(c.clock.id, { frozen_time: clock.frozen_time + days * DAY });
    expect(res.status).toBe('advancing');
    expect((await h.stripe.testHelpers.testClocks.retrieve(c.clock.id)).status).toBe('ready');
    await h.sandbox.webhooksIdle();
  };
  return { ...c, sub, advance };
}

const invoicesOf = async (sub: string) => (await h.stripe.invoices.list({ subscription: sub })).data;

test('renewal on the test clock: new period, invoice paid, still active', async () => {
  const { sub, advance } = await active();
  const end = sub.items.data[0]!.current_period_end;
  await advance(32);
  const renewed = await h.stripe.subscriptions.retrieve(sub.id);
  expect(renewed.status).toBe('active');
  expect(renewed.items.data[0]!.current_period_start).toBe(end);
  expect(renewed.items.data[0]!.current_period_end).toBeGreaterThan(end);
  const [latest] = await invoicesOf(sub.id);
  expect(latest).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 1000, period_start: end });
  expect(h.receiver.types()).toEqual(expect.arrayContaining(['test_helpers.test_clock.ready', 'invoice.paid']));
});

test('failed renewal → past_due → recovered by paying the open invoice with a new card', async () => {
  const { sub, customer, advance } = await active();
  const failing = await h.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
  await h.stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
  await advance(32);
  expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('past_due');
  const [open] = (await h.stripe.invoices.list({ subscription: sub.id, status: 'open' })).data;
  expect(open).toMatchObject({ attempt_count: 1, attempted: true });
  expect(open!.next_payment_attempt).toBeGreaterThan(open!.created);
  expect(h.receiver.types()).toContain('invoice.payment_failed');

  await expect(h.stripe.invoices.pay(open!.id!)).rejects.toMatchObject({ statusCode: 402, code: 'card_declined' });
  const visa = await h.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await h.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: visa.id } });
  await h.stripe.subscriptions.update(sub.id, { default_payment_method: visa.id });
  const paid = await h.stripe.invoices.pay(open!.id!);
  expect(paid.status).toBe('paid');
  expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
});

test('failed renewal retried on later advances, then canceled when retries run out', async () => {
  const { sub, customer, advance } = await active();
  const failing = await h.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
  await h.stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
  await advance(32);
  await advance(3);
  const [open] = (await h.stripe.invoices.list({ subscription: sub.id, status: 'open' })).data;
  expect(open!.attempt_count).toBe(2);
  await advance(7);
  const ended = await h.stripe.subscriptions.retrieve(sub.id);
  expect(ended.status).toBe('canceled');
  expect(ended.cancellation_details?.reason).toBe('payment_failed');
  expect(h.receiver.types()).toContain('customer.subscription.deleted');
  expect(h.receiver.ofType('invoice.payment_failed')).toHaveLength(4);
});

test('never paid: incomplete_expired after 23 hours of clock time', async () => {
  const c = await catalog(h.stripe);
  const sub = await subscribe(h.stripe, c.customer.id, c.monthly.id);
  await h.stripe.testHelpers.testClocks.advance(c.clock.id, { frozen_time: c.clock.frozen_time + 24 * 3600 });
  const expired = await h.stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
  expect(expired.status).toBe('incomplete_expired');
  expect((expired.latest_invoice as Stripe.Invoice).status).toBe('void');
});

test('cancel at period end, resume, cancel again → deleted at period end', async () => {
  const { sub, advance } = await active();
  const canceling = await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
  expect(canceling).toMatchObject({ status: 'active', cancel_at_period_end: true, cancel_at: sub.items.data[0]!.current_period_end });
  const resumed = await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
  expect(resumed).toMatchObject({ cancel_at_period_end: false, cancel_at: null });
  await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
  await expect(h.stripe.invoices.createPreview({ subscription: sub.id })).rejects.toMatchObject({ code: 'invoice_upcoming_none' });
  await advance(32);
  const ended = await h.stripe.subscriptions.retrieve(sub.id);
  expect(ended).toMatchObject({ status: 'canceled', ended_at: sub.items.data[0]!.current_period_end });
  const deleted = h.receiver.ofType<Stripe.CustomerSubscriptionDeletedEvent>('customer.subscription.deleted');
  expect(deleted).toHaveLength(1);
  expect(deleted[0]!.data.object.status).toBe('canceled');
  expect(await invoicesOf(sub.id)).toHaveLength(1); // no renewal invoice
  const updates = h.receiver.ofType<Stripe.CustomerSubscriptionUpdatedEvent>('customer.subscription.updated');
  expect(updates.some((e) => e.data.previous_attributes?.cancel_at_period_end === false)).toBe(true);
});

test('plan change with always_invoice: create_preview matches the proration invoice', async () => {
  const { sub, monthlyPlus, clock } = await active();
  await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 10 * DAY });
  const item = sub.items.data[0]!;
  const preview = await h.stripe.invoices.createPreview({
    customer: sub.customer as string,
    subscription: sub.id,
    subscription_details: { items: [{ id: item.id, price: monthlyPlus.id }], proration_behavior: 'always_invoice' },
  });
  const span = item.current_period_end - item.current_period_start;
  const left = (item.current_period_end - (clock.frozen_time + 10 * DAY)) / span;
  expect(preview.amount_due).toBe(Math.round(3000 * left) - Math.round(1000 * left));
  expect(preview.lines.data.map((l) => l.amount)).toEqual([-Math.round(1000 * left), Math.round(3000 * left)]);
  expect(preview.lines.data.every((l) => l.parent?.subscription_item_details?.proration)).toBe(true);

  const updated = await h.stripe.subscriptions.update(sub.id, {
    items: [{ id: item.id, price: monthlyPlus.id }],
    proration_behavior: 'always_invoice',
    expand: ['latest_invoice'],
  });
  const inv = updated.latest_invoice as Stripe.Invoice;
  expect(inv).toMatchObject({ billing_reason: 'subscription_update', status: 'paid', amount_paid: preview.amount_due });
  expect(updated.items.data[0]!.price.id).toBe(monthlyPlus.id);
  expect(updated.items.data[0]!.id).toBe(item.id);
});

test('plan change with create_prorations: the prorations land on the next renewal invoice', async () => {
  const { sub, monthlyPlus, advance } = await active();
  await advance(15);
  await h.stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: monthlyPlus.id }] });
  const preview = await h.stripe.invoices.createPreview({ subscription: sub.id });
  expect(preview.lines.data).toHaveLength(3);
  expect(preview.lines.data[0]!.amount).toBe(3000);
  await advance(20);
  const [renewal] = await invoicesOf(sub.id);
  expect(renewal!.billing_reason).toBe('subscription_cycle');
  expect(renewal!.amount_paid).toBe(preview.amount_due);
});

test('monthly → yearly resets the billing cycle and invoices at once; a coupon discounts it', async () => {
  const { sub, yearly, clock } = await active();
  const coupon = await h.stripe.coupons.create({ percent_off: 50, duration: 'once' });
  const preview = await h.stripe.invoices.createPreview({
    subscription: sub.id,
    subscription_details: { items: [{ id: sub.items.data[0]!.id, price: yearly.id }], proration_behavior: 'always_invoice' },
  });
  // A full unused month (1000) is credited against the full yearly price (10000).
  expect(preview.amount_due).toBe(9000);
  expect(preview.lines.data.map((l) => l.amount)).toEqual([-1000, 10000]);
  const updated = await h.stripe.subscriptions.update(sub.id, {
    items: [{ id: sub.items.data[0]!.id, price: yearly.id }],
    proration_behavior: 'always_invoice',
    discounts: [{ coupon: coupon.id }],
    expand: ['latest_invoice'],
  });
  const inv = updated.latest_invoice as Stripe.Invoice;
  expect(inv.total_discount_amounts?.[0]?.amount).toBeGreaterThan(0);
  expect(inv.total).toBe(inv.subtotal - inv.total_discount_amounts![0]!.amount);
  expect(updated.items.data[0]!.current_period_start).toBe(clock.frozen_time);
  expect(updated.discounts).toEqual([]); // a `once` coupon is used up
});

test('pause_collection void: renewals are voided, the subscription stays active', async () => {
  const { sub, advance } = await active();
  await h.stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void' } });
  await advance(32);
  const [latest] = await invoicesOf(sub.id);
  expect(latest!.status).toBe('void');
  expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  const unpaused = await h.stripe.subscriptions.update(sub.id, { pause_collection: '' });
  expect(unpaused.pause_collection).toBeNull();
});

test('trial: trialing, trial_will_end, then the first paid invoice', async () => {
  const c = await catalog(h.stripe);
  const visa = await h.stripe.paymentMethods.attach('pm_card_visa', { customer: c.customer.id });
  const sub = await h.stripe.subscriptions.create({ customer: c.customer.id, items: [{ price: c.monthly.id }], trial_period_days: 7, default_payment_method: visa.id });
  expect(sub.status).toBe('trialing');
  await h.stripe.testHelpers.testClocks.advance(c.clock.id, { frozen_time: c.clock.frozen_time + 8 * DAY });
  await h.sandbox.webhooksIdle();
  expect(h.receiver.types()).toContain('customer.subscription.trial_will_end');
  expect((await h.stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  expect((await invoicesOf(sub.id))[0]).toMatchObject({ status: 'paid', amount_paid: 1000 });
});

test('cancel now', async () => {
  const { sub } = await active();
  const canceled = await h.stripe.subscriptions.cancel(sub.id);
  expect(canceled.status).toBe('canceled');
  await h.sandbox.webhooksIdle();
  expect(h.receiver.types()).toContain('customer.subscription.deleted');
  expect((await h.stripe.subscriptions.list({ customer: sub.customer as string })).data).toHaveLength(0);
  expect((await h.stripe.subscriptions.list({ customer: sub.customer as string, status: 'all' })).data).toHaveLength(1);
});
