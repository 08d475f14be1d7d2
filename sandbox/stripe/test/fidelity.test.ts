/**
 * Fidelity: every object the sandbox returns has every key Stripe's own fixture for that object
 * type has (stripe/fixtures/fixtures3.json, a copy of the shared fixtures), top-level and in nested objects.
 */
import type Stripe from 'stripe';
import { fixtures, missingKeys } from './support/fidelity';
import { DAY, Harness, catalog, piFromSecret, startHarness, subscribe } from './support/harness';

let h: Harness;
const seen = new Map<string, unknown[]>();

function collect(type: string, obj: unknown): void {
  const list = seen.get(type) ?? [];
  list.push(obj);
  seen.set(type, list);
}

beforeAll(async () => {
  h = await startHarness();
  const s = h.stripe;
  const { clock, customer, product, monthly, monthlyPlus } = await catalog(s);
  collect('test_helpers.test_clock', clock);
  collect('customer', customer);
  collect('product', product);
  collect('price', monthly);
  const coupon = await s.coupons.create({ percent_off: 20, duration: 'repeating', duration_in_months: 3 });
  collect('coupon', coupon);

  const sub = await subscribe(s, customer.id, monthly.id);
  collect('subscription', sub);
  const inv = sub.latest_invoice as Stripe.Invoice;
  const pi = await s.paymentIntents.confirm(piFromSecret(inv.confirmation_secret!.client_secret), { payment_method: 'pm_card_visa' });
  collect('payment_intent', pi);
  collect('payment_method', await s.paymentMethods.retrieve(pi.payment_method as string));
  const paid = await s.invoices.retrieve(inv.id!, { expand: ['payments'] });
  collect('invoice', paid);
  collect('line_item', paid.lines.data[0]);
  collect('invoice_payment', paid.payments!.data[0]);
  collect('invoice_payment', await s.invoicePayments.retrieve(paid.payments!.data[0]!.id));
  const charge = await s.charges.retrieve(pi.latest_charge as string);
  collect('charge', charge);
  collect('subscription_item', await s.subscriptionItems.retrieve(sub.items.data[0]!.id));

  const updated = await s.subscriptions.update(sub.id, { discounts: [{ coupon: coupon.id }], expand: ['discounts'] });
  collect('subscription', updated);
  collect('discount', updated.discounts[0]);
  await s.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: monthlyPlus.id }], proration_behavior: 'create_prorations' });
  const preview = await s.invoices.createPreview({ subscription: sub.id });
  collect('invoice', preview);

  const refund = await s.refunds.create({ charge: charge.id, amount: 100 });
  collect('refund', refund);
  collect('charge', await s.charges.retrieve(charge.id));
  const dispute = await s.rawRequest('POST', `/v1/test_helpers/charges/${charge.id}/dispute`, {});
  collect('dispute', JSON.parse(JSON.stringify(dispute)));
  collect('dispute', await s.disputes.retrieve((dispute as unknown as { id: string }).id));

  const cs = await s.checkout.sessions.create({
    mode: 'subscription',
    line_items: [{ price: monthly.id, quantity: 1 }],
    customer: customer.id,
    success_url: 'http://localhost/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://localhost/cancel',
  });
  collect('checkout.session', cs);
  const lineItems = await s.checkout.sessions.listLineItems(cs.id);
  collect('item', lineItems.data[0]);
  collect('billing_portal.session', await s.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://localhost/account' }));

  const advanced = await s.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 40 * DAY });
  collect('test_helpers.test_clock', advanced);
  collect('test_helpers.test_clock', await s.testHelpers.testClocks.retrieve(clock.id));

  const ep = await s.webhookEndpoints.create({ url: 'http://127.0.0.1:9/none', enabled_events: ['customer.created'] });
  collect('webhook_endpoint', ep);
  collect('deleted_webhook_endpoint', await s.webhookEndpoints.del(ep.id));
  await h.sandbox.webhooksIdle();
  const events = await s.events.list({ limit: 100 });
  for (const e of events.data) collect('event', e);

  const canceled = await s.subscriptions.cancel(sub.id);
  collect('subscription', canceled);
  const other = await s.customers.create({ email: 'gone@example.com' });
  collect('deleted_customer', await s.customers.del(other.id));
  collect('deleted_coupon', await s.coupons.del(coupon.id));
  collect('deleted_test_helpers.test_clock', await s.testHelpers.testClocks.del(clock.id));
}, 30000);

afterAll(async () => {
  await h.close();
});

const TYPES = [
  'customer',
  'product',
  'price',
  'subscription',
  'subscription_item',
  'invoice',
  'line_item',
  'invoice_payment',
  'payment_intent',
  'payment_method',
  'charge',
  'refund',
  'dispute',
  'coupon',
  'discount',
  'checkout.session',
  'item',
  'billing_portal.session',
  'test_helpers.test_clock',
  'event',
  'webhook_endpoint',
  'deleted_customer',
  'deleted_coupon',
  'deleted_webhook_endpoint',
  'deleted_test_helpers.test_clock',
];

test.each(TYPES)('%s has every key of its Stripe fixture', (type) => {
  const fixture = fixtures[type];
  expect(fixture).toBeDefined();
  const objects = seen.get(type) ?? [];
  expect(objects.length).toBeGreaterThan(0);
  for (const obj of objects) {
    const missing = missingKeys(obj, fixture);
    if (missing.length) throw new Error(`${type} ${(obj as { id?: string }).id ?? ''} lacks fixture keys: ${missing.join(', ')}`);
  }
});

test('event payloads carry objects with every key of their fixtures', () => {
  const events = (seen.get('event') ?? []) as Array<{ type: string; data: { object: { object: string; id: string } } }>;
  expect(events.length).toBeGreaterThan(20);
  for (const e of events) {
    const fixture = fixtures[e.data.object.object];
    if (!fixture) continue;
    const missing = missingKeys(e.data.object, fixture);
    if (missing.length) throw new Error(`${e.type} ${e.data.object.id} lacks fixture keys: ${missing.join(', ')}`);
  }
});

test('the key check itself reports missing top-level and nested keys', () => {
  const customer = fixtures.customer as Record<string, unknown>;
  expect(missingKeys({ id: 'cus_1' }, customer)).toEqual(expect.arrayContaining(['email', 'invoice_settings']));
  const partial = { ...customer, invoice_settings: { custom_fields: null } };
  expect(missingKeys(partial, customer)).toEqual(expect.arrayContaining(['invoice_settings.default_payment_method']));
});
