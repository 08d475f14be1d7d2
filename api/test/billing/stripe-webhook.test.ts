import Stripe from 'stripe';
import { InboxEventEntity } from '../../src/platform/inbox/inbox-event.entity';
import { startTestApi, type TestApi } from '../support/test-api';

// Signature checks and idempotent storage of POST /webhooks/stripe. Event types that need no
// Stripe call are used, so no Stripe server is needed here; the flows are in stripe-flows.test.ts.
const SECRET = 'whsec_test_webhook_secret';
let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({
    STRIPE_SECRET_KEY: 'sk_test_unused',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_unused',
    STRIPE_WEBHOOK_SECRET: SECRET,
    STRIPE_API_URL: 'http://127.0.0.1:9', // nothing listens: these tests must not need Stripe
  });
});
afterAll(() => t.close());

const stripe = new Stripe('sk_test_unused');
const payload = (id: string, type = 'customer.created') =>
  JSON.stringify({ id, object: 'event', type, created: Math.floor(Date.now() / 1000), api_version: '2026-10-28.endive', livemode: false, data: { object: { id: 'cus_1', object: 'customer' } } });

function post(body: string, signature: string | null) {
  return fetch(`${t.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
    body,
  });
}
const stored = (id: string) => t.dataSource.getRepository(InboxEventEntity).findBy({ source: 'stripe', externalId: id });

it('accepts a correctly signed event, stores and processes it once, even when redelivered', async () => {
  const body = payload('evt_ok');
  const signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
  for (let i = 0; i < 3; i++) expect((await post(body, signature)).status).toBe(200);
  const rows = await stored('evt_ok');
  expect(rows).toHaveLength(1);
  expect(rows[0]!.processedAt).not.toBeNull();
  expect(rows[0]!.type).toBe('customer.created');
});

it.each([
  ['no signature', () => null],
  ['a signature made with another secret', (body: string) => stripe.webhooks.generateTestHeaderString({ payload: body, secret: 'whsec_other' })],
  ['a stale timestamp (older than 5 minutes)', (body: string) => stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 600 })],
  ['a garbage header', () => 't=1,v1=deadbeef'],
])('rejects %s with 400 and stores nothing', async (_label, sign) => {
  const id = `evt_bad_${Math.random().toString(36).slice(2)}`;
  const body = payload(id);
  const res = await post(body, sign(body));
  expect(res.status).toBe(400);
  expect(await stored(id)).toHaveLength(0);
});

it('rejects a body altered after signing', async () => {
  const body = payload('evt_tampered');
  const signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
  expect((await post(body.replace('customer.created', 'invoice.paid'), signature)).status).toBe(400);
  expect(await stored('evt_tampered')).toHaveLength(0);
});

it('keeps an event whose processing fails (Stripe unreachable) for retry, still answering 200', async () => {
  const body = payload('evt_retry', 'customer.subscription.updated');
  const signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
  expect((await post(body, signature)).status).toBe(200);
  const [row] = await stored('evt_retry');
  expect(row).toMatchObject({ processedAt: null, attempts: 1 });
  expect(row!.lastError).toBeTruthy();
});

it('refuses to start with a Stripe key but no webhook secret', async () => {
  await expect(startTestApi({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_PUBLISHABLE_KEY: 'pk_test_x' })).rejects.toThrow(/STRIPE_WEBHOOK_SECRET/);
});
