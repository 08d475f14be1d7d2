/** Hosted pages (checkout, billing portal, 3-D Secure) and the Stripe.js stand-in. */
import Stripe from 'stripe';
import { Harness, catalog, piFromSecret, startHarness, subscribe } from './support/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  redirect: 'manual' as const,
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

async function session(customer: string, price: string) {
  return h.stripe.checkout.sessions.create({
    mode: 'subscription',
    customer,
    client_reference_id: 'user_1',
    line_items: [{ price, quantity: 1 }],
    success_url: 'http://localhost:3000/billing/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://localhost:3000/billing',
  });
}

test('checkout: the page takes a test card, creates a paid subscription and redirects to success_url', async () => {
  const { customer, monthly } = await catalog(h.stripe);
  const cs = await session(customer.id, monthly.id);
  expect(cs.url).toBe(`${h.sandbox.url}/checkout/${cs.id}`);
  const page = await (await fetch(cs.url!)).text();
  expect(page).toContain('Card number');
  expect(page).toContain('4000 0025 0000 3155');

  const declined = await fetch(cs.url!, form({ card_number: '4000 0000 0000 9995', card_expiry: '12 / 34', card_cvc: '123' }));
  expect(declined.status).toBe(402);
  expect(await declined.text()).toContain('Your card was declined.');

  const ok = await fetch(cs.url!, form({ card_number: '4242 4242 4242 4242', card_expiry: '12 / 34', card_cvc: '123' }));
  expect(ok.status).toBe(303);
  expect(ok.headers.get('location')).toBe(`http://localhost:3000/billing/success?session_id=${cs.id}`);
  const done = await h.stripe.checkout.sessions.retrieve(cs.id, { expand: ['subscription'] });
  expect(done).toMatchObject({ status: 'complete', payment_status: 'paid', client_reference_id: 'user_1' });
  expect((done.subscription as Stripe.Subscription).status).toBe('active');
  await h.sandbox.webhooksIdle();
  const types = h.receiver.types();
  expect(types).toEqual(expect.arrayContaining(['customer.subscription.created', 'invoice.paid', 'checkout.session.completed']));
  expect(types.indexOf('checkout.session.completed')).toBeGreaterThan(types.indexOf('invoice.paid'));
});

test('checkout with the 3155 card goes through the 3-D Secure page', async () => {
  const { customer, monthly } = await catalog(h.stripe);
  const cs = await session(customer.id, monthly.id);
  const res = await fetch(cs.url!, form({ card_number: '4000002500003155', card_expiry: '12/34', card_cvc: '123' }));
  expect(res.status).toBe(303);
  const authUrl = new URL(res.headers.get('location')!, h.sandbox.url).toString();
  expect(await (await fetch(authUrl)).text()).toContain('Complete authentication');
  const completed = await fetch(authUrl, form({ outcome: 'succeed' }));
  const back = completed.headers.get('location')!;
  expect(back).toContain('redirect_status=succeeded');
  const final = await fetch(back, { redirect: 'manual' });
  expect(final.headers.get('location')).toContain(cs.id);
  expect((await h.stripe.checkout.sessions.retrieve(cs.id)).status).toBe('complete');
});

test('billing portal: lists subscriptions, cancels at period end and resumes', async () => {
  const { customer, monthly } = await catalog(h.stripe);
  const sub = await subscribe(h.stripe, customer.id, monthly.id);
  await h.stripe.paymentIntents.confirm(piFromSecret((sub.latest_invoice as Stripe.Invoice).confirmation_secret!.client_secret), {
    payment_method: 'pm_card_visa',
  });
  const bps = await h.stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://localhost:3000/account' });
  const page = await (await fetch(bps.url)).text();
  expect(page).toContain('Crossbill Pro');
  expect(page).toContain('Cancel at period end');
  expect(page).toContain('http://localhost:3000/account');
  const cancel = await fetch(`${h.sandbox.url}/portal/${bps.id}/subscriptions/${sub.id}/cancel`, form({}));
  expect(cancel.status).toBe(303);
  expect((await h.stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true);
  expect(await (await fetch(bps.url)).text()).toContain('Resume subscription');
  await fetch(`${h.sandbox.url}/portal/${bps.id}/subscriptions/${sub.id}/resume`, form({}));
  expect((await h.stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false);
  const pm = await fetch(`${h.sandbox.url}/portal/${bps.id}/payment_method`, form({ card_number: '5555555555554444', card_expiry: '1/30', card_cvc: '1' }));
  expect(pm.status).toBe(303);
  const updated = await h.stripe.subscriptions.retrieve(sub.id, { expand: ['default_payment_method'] });
  expect((updated.default_payment_method as Stripe.PaymentMethod).card?.last4).toBe('4444');
});

test('the Stripe.js stand-in is served with CORS for browser origins', async () => {
  const js = await fetch(h.sandbox.stripeJsUrl);
  expect(js.headers.get('content-type')).toContain('javascript');
  const source = await js.text();
  expect(source).toContain('window.Stripe = Stripe');
  expect(source).toContain('Sandbox: use 4242 4242 4242 4242');
  const preflight = await fetch(`${h.sandbox.url}/v1/payment_intents/pi_x/confirm`, {
    method: 'OPTIONS',
    headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
});
