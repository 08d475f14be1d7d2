import { createHmac, timingSafeEqual } from 'node:crypto';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { OutgoingDeliveryEntity, OutgoingEventEntity } from '../../src/platform/outgoing-webhooks/outgoing-webhook.entities';
import { enqueueOutgoingEvent } from '../../src/platform/outgoing-webhooks/outgoing-webhooks';
import { errorCode, signUp, startTestApi, type TestApi } from '../support/test-api';

// Entitlement changes POSTed to the app's own backend: signed like Stripe's webhooks, retried
// until the receiver answers 2xx, logged, replayable.

const SECRET = 'outgoing-webhook-secret-0123456789';
const run = promisify(execFile);
const tsx = path.resolve(__dirname, '../../../node_modules/.bin/tsx');
const adminCli = path.resolve(__dirname, '../../src/accounts/admin-cli.ts');

interface Received {
  body: string;
  signature: string;
  eventId: string;
}
const received: Received[] = [];
let answer = 200;
let receiver: http.Server;
let t: TestApi;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['crossbill-signature']), eventId: String(req.headers['crossbill-event-id']) });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t = await startTestApi({ OUTGOING_WEBHOOK_URLS: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, OUTGOING_WEBHOOK_SECRET: SECRET });
});
afterAll(async () => {
  await t.close();
  await new Promise((r) => receiver.close(r));
});

/** What an app's backend does with Crossbill-Signature (documented in the README). */
function verify(body: string, header: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', SECRET).update(`${parts.t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
}

async function admin() {
  const a = await signUp(t);
  await run(tsx, [adminCli, 'grant-role', a.user.email], { env: { ...process.env, DATABASE_URL: t.config.database.url } });
  return a;
}
const GRANT = `mutation ($u: ID!) { grantEntitlement(userId: $u, key: "pro", reason: "test") { id } }`;

async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}

it('tells the app backend when a user gains an entitlement, signed', async () => {
  const a = await admin();
  const user = await signUp(t);
  await t.gql(GRANT, { u: user.user.id }, { token: a.accessToken });
  const hook = await waitFor(() => received.find((r) => r.body.includes(user.user.id)));
  expect(verify(hook.body, hook.signature)).toBe(true);
  expect(verify(hook.body.replace('true', 'false'), hook.signature)).toBe(false);
  const event = JSON.parse(hook.body);
  expect(event).toMatchObject({ id: hook.eventId, type: 'entitlements.updated', data: { userId: user.user.id, duplicateSubscriptions: false } });
  expect(event.data.entitlements).toEqual([expect.objectContaining({ key: 'pro', active: true, store: 'promotional' })]);
});

it('keeps retrying while the receiver is down and loses nothing', async () => {
  const a = await admin();
  const user = await signUp(t);
  answer = 503;
  try {
    await t.gql(GRANT, { u: user.user.id }, { token: a.accessToken });
    const failed = await waitFor(async () => {
      const rows = await t.dataSource.query(
        `SELECT d.* FROM outgoing_delivery d JOIN outgoing_event e ON e.id = d.event_id WHERE e.user_id = $1 AND d.attempts > 0`,
        [user.user.id],
      );
      return rows[0];
    });
    expect(failed).toMatchObject({ delivered_at: null, last_status: 503, last_error: 'HTTP 503' });
  } finally {
    answer = 200;
  }
  // Time passes (backoff): make it due now instead of waiting.
  await t.dataSource.query(`UPDATE outgoing_delivery SET next_attempt_at = now() WHERE delivered_at IS NULL`);
  t.api.services.outgoingWebhooks.kick();
  await waitFor(async () => (await t.dataSource.query(`SELECT 1 FROM outgoing_delivery d JOIN outgoing_event e ON e.id = d.event_id WHERE e.user_id = $1 AND d.delivered_at IS NOT NULL`, [user.user.id]))[0]);
  const forUser = received.filter((r) => r.body.includes(user.user.id));
  expect(new Set(forUser.map((r) => r.eventId)).size).toBe(1); // the same event, retried
  expect(forUser.length).toBeGreaterThanOrEqual(2);
});

it('shows admins the delivery log and replays an event on request', async () => {
  const a = await admin();
  const log = await t.gql(`{ webhookDeliveries(limit: 5) { eventId eventType endpoint attempts deliveredAt lastStatus } }`, {}, { token: a.accessToken });
  expect(log.data.webhookDeliveries[0]).toMatchObject({ eventType: 'entitlements.updated', lastStatus: 200 });
  const eventId = log.data.webhookDeliveries[0].eventId;
  const before = received.filter((r) => r.eventId === eventId).length;
  expect((await t.gql(`mutation ($id: ID!) { replayWebhookEvent(eventId: $id) }`, { id: eventId }, { token: a.accessToken })).data.replayWebhookEvent).toBe(true);
  await waitFor(() => received.filter((r) => r.eventId === eventId).length > before);
  const user = await signUp(t);
  expect(errorCode(await t.gql(`{ webhookDeliveries { id } }`, {}, { token: user.accessToken }))).toBe('FORBIDDEN');
  expect(errorCode(await t.gql(`mutation { replayWebhookEvent(eventId: "00000000-0000-0000-0000-000000000000") }`, {}, { token: a.accessToken }))).toBe('NOT_FOUND');
});

it('sends nothing when a write leaves the entitlements as they were', async () => {
  const a = await admin();
  const user = await signUp(t);
  const grant = (await t.gql(GRANT, { u: user.user.id }, { token: a.accessToken })).data.grantEntitlement.id;
  const REVOKE = `mutation ($id: ID!) { revokeGrant(id: $id) { status } }`;
  await t.gql(REVOKE, { id: grant }, { token: a.accessToken });
  const count = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM outgoing_event WHERE user_id = $1`, [user.user.id]))[0].n;
  expect(await count()).toBe(2); // granted, revoked
  await t.gql(REVOKE, { id: grant }, { token: a.accessToken }); // revoked again: nothing changes
  expect(await count()).toBe(2);
});

it('writes an event with a dedupe key once, however many instances raise it', async () => {
  const event = { type: 'entitlements.updated', userId: null, payload: { x: 1 }, dedupeKey: `expiry:test:${Date.now()}` };
  await enqueueOutgoingEvent(t.dataSource.manager, event);
  await enqueueOutgoingEvent(t.dataSource.manager, event);
  expect(await t.dataSource.getRepository(OutgoingEventEntity).countBy({ dedupeKey: event.dedupeKey })).toBe(1);
  expect(await t.dataSource.getRepository(OutgoingDeliveryEntity).count()).toBeGreaterThan(0);
});

it('refuses endpoints without a signing secret', async () => {
  await expect(startTestApi({ OUTGOING_WEBHOOK_URLS: 'http://127.0.0.1:9/x' })).rejects.toThrow(/OUTGOING_WEBHOOK_SECRET/);
});
