/** The wire protocol: keys, errors, idempotency, lists, form parsing, webhook retries, persistence. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { startStripeSandbox } from '../src';
import { parseForm } from '../src/form';
import { Harness, catalog, client, piFromSecret, startHarness, subscribe } from './support/harness';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

test('form bodies as stripe-node encodes them', () => {
  expect(parseForm('items[0][price]=p1&items[0][quantity]=2&items[1][price]=p2&expand[0]=a.b&metadata[k]=v%20w&x=')).toEqual({
    items: [{ price: 'p1', quantity: '2' }, { price: 'p2' }],
    expand: ['a.b'],
    metadata: { k: 'v w' },
    x: '',
  });
});

test('a bad key → 401; a missing object → 404 resource_missing; bad params → 400', async () => {
  const bad = client(h.sandbox, 'sk_live_nope');
  await expect(bad.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  await expect(bad.customers.list()).rejects.toMatchObject({ statusCode: 401 });
  const missing = await h.stripe.customers.retrieve('cus_nope').catch((e: unknown) => e);
  expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' });
  await expect(h.stripe.subscriptions.create({ customer: 'cus_nope', items: [] })).rejects.toMatchObject({ statusCode: 404 });
  await expect(h.stripe.prices.create({ currency: 'usd', unit_amount: 5 } as Stripe.PriceCreateParams)).rejects.toMatchObject({
    statusCode: 400,
    code: 'parameter_missing',
    param: 'product',
  });
  const res = await fetch(`${h.sandbox.url}/v1/unknown_things`, { headers: { Authorization: `Bearer ${h.sandbox.secretKey}` } });
  expect(res.status).toBe(404);
});

test('Idempotency-Key: same key and params replay; different params → 400 idempotency_error', async () => {
  const a = await h.stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'key-1' });
  const b = await h.stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'key-1' });
  expect(b.id).toBe(a.id);
  expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
  const err = await h.stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: 'key-1' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  expect(err).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
  expect((await h.stripe.customers.list({ email: 'a@example.com' })).data).toHaveLength(1);
});

test('lists: pagination, lookup_keys, transfer_lookup_key, expand data.*', async () => {
  const product = await h.stripe.products.create({ name: 'Plan' });
  const p1 = await h.stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 100, recurring: { interval: 'month' }, lookup_key: 'plan_m' });
  await expect(
    h.stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 200, recurring: { interval: 'month' }, lookup_key: 'plan_m' }),
  ).rejects.toMatchObject({ statusCode: 400 });
  const p2 = await h.stripe.prices.create({
    product: product.id, currency: 'usd', unit_amount: 200, recurring: { interval: 'month' }, lookup_key: 'plan_m', transfer_lookup_key: true,
  });
  const found = await h.stripe.prices.list({ lookup_keys: ['plan_m', 'other'], expand: ['data.product'] });
  expect(found.data.map((p) => p.id)).toEqual([p2.id]);
  expect((found.data[0]!.product as Stripe.Product).name).toBe('Plan');
  expect((await h.stripe.prices.retrieve(p1.id)).lookup_key).toBeNull();
  expect(found).toMatchObject({ object: 'list', has_more: false, url: '/v1/prices' });

  for (let i = 0; i < 5; i++) await h.stripe.customers.create({ email: `c${i}@example.com` });
  const page1 = await h.stripe.customers.list({ limit: 2 });
  expect(page1.has_more).toBe(true);
  const page2 = await h.stripe.customers.list({ limit: 2, starting_after: page1.data[1]!.id });
  expect(page2.data[0]!.id).not.toBe(page1.data[1]!.id);
  const all: string[] = [];
  for await (const c of h.stripe.customers.list({ limit: 2 })) all.push(c.id);
  expect(all).toHaveLength(5);
  expect(new Set(all).size).toBe(5);
  const searched = await h.stripe.customers.search({ query: "email:'c3@example.com'" });
  expect(searched.data).toHaveLength(1);
});

test('webhooks are retried with backoff after the receiver answered 500', async () => {
  let failures = 0;
  h.receiver.respond = (event) => (event.type === 'customer.created' && failures++ < 2 ? 500 : 200);
  const c = await h.stripe.customers.create({ email: 'retry@example.com' });
  await h.sandbox.webhooksIdle();
  expect(failures).toBe(3);
  const delivered = h.receiver.ofType<Stripe.CustomerCreatedEvent>('customer.created');
  expect(delivered).toHaveLength(1);
  expect(delivered[0]!.data.object.id).toBe(c.id);
  const [evt] = (await h.stripe.events.list({ type: 'customer.created' })).data;
  expect(evt!.pending_webhooks).toBe(0);
});

test('POST /v1/webhook_endpoints returns a whsec_ secret and receives signed events', async () => {
  const ep = await h.stripe.webhookEndpoints.create({ url: h.receiver.url, enabled_events: ['product.created'] });
  expect(ep.secret).toMatch(/^whsec_/);
  expect((await h.stripe.webhookEndpoints.list()).data.map((e) => e.id)).toContain(ep.id);
  await h.stripe.products.create({ name: 'Hooked' });
  await h.sandbox.webhooksIdle();
  // The harness receiver verifies with its own secret, so the second delivery (other secret) is refused.
  expect(h.receiver.attempts).toBeGreaterThan(h.receiver.events.length);
});

test('state persists to the state file across restarts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stripe-sandbox-'));
  const stateFile = join(dir, 'state.json');
  try {
    const first = await startStripeSandbox({ port: 0, stateFile });
    const s1 = client(first);
    const c = await catalog(s1);
    const sub = await subscribe(s1, c.customer.id, c.monthly.id);
    await s1.paymentIntents.confirm(piFromSecret((sub.latest_invoice as Stripe.Invoice).confirmation_secret!.client_secret), {
      payment_method: 'pm_card_visa',
    });
    await first.close();

    const second = await startStripeSandbox({ port: 0, stateFile });
    const s2 = client(second);
    expect((await s2.subscriptions.retrieve(sub.id)).status).toBe('active');
    expect((await s2.prices.list({ lookup_keys: [c.monthly.lookup_key!] })).data).toHaveLength(1);
    await s2.testHelpers.testClocks.advance(c.clock.id, { frozen_time: c.clock.frozen_time + 32 * 86400 });
    expect((await s2.invoices.list({ subscription: sub.id })).data).toHaveLength(2);
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
