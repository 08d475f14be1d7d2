/**
 * The App Store Server API endpoints through Apple's own `AppStoreServerAPIClient` with its `urlBase`
 * pointed at the sandbox, as the API uses it.
 */
import { APIException, Environment, GetTransactionHistoryVersion, NotificationTypeV2, Order, Status } from '@apple/app-store-server-library';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { AppStoreSandbox, startAppStoreSandbox } from '../src';
import { MONTHLY, Receiver, YEARLY, clientFor, startReceiver, verifierFor } from './support/harness';

let sandbox: AppStoreSandbox;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startAppStoreSandbox({ port: 0, notificationUrl: receiver.url, notificationRetryBaseMs: 10 });
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

async function apiError(p: Promise<unknown>): Promise<APIException> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(APIException);
    return err as APIException;
  }
  throw new Error('the request unexpectedly succeeded');
}

describe('Get All Subscription Statuses', () => {
  it('answers for the original or any later transaction id, with verifiable signed data', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY, appAccountToken: '3b2a1c9e-0d4f-4e6a-9b8c-7d6e5f4a3b2c' });
    const renewed = await sandbox.renew(r.originalTransactionId);
    const client = clientFor(sandbox);
    for (const id of [r.originalTransactionId, renewed.transactionId]) {
      const res = await client.getAllSubscriptionStatuses(id);
      expect(res).toMatchObject({ environment: 'Sandbox', bundleId: 'com.crossbill.app', appAppleId: 1234567890 });
      expect(res.data).toHaveLength(1);
      const group = res.data?.[0];
      expect(group?.subscriptionGroupIdentifier).toEqual(expect.any(String));
      const last = group?.lastTransactions?.[0];
      expect(last).toMatchObject({ originalTransactionId: r.originalTransactionId, status: Status.ACTIVE });
      const v = verifierFor(sandbox);
      const tx = await v.verifyAndDecodeTransaction(last?.signedTransactionInfo as string);
      expect(tx.transactionId).toBe(renewed.transactionId);
      expect(tx.signedDate).toBeGreaterThan(Date.now() - 10_000);
      expect((await v.verifyAndDecodeRenewalInfo(last?.signedRenewalInfo as string)).originalTransactionId).toBe(r.originalTransactionId);
    }
  });

  it('reports each state as Apple numbers it (1 active … 5 revoked) and filters by status', async () => {
    const client = clientFor(sandbox);
    const statusOf = async (id: string) => (await client.getAllSubscriptionStatuses(id)).data?.[0]?.lastTransactions?.[0]?.status;
    const a = await sandbox.purchase({ productId: MONTHLY });
    await sandbox.failRenewal(a.originalTransactionId);
    expect(await statusOf(a.originalTransactionId)).toBe(Status.BILLING_RETRY);
    const b = await sandbox.purchase({ productId: MONTHLY });
    await sandbox.failRenewal(b.originalTransactionId, { grace: true });
    expect(await statusOf(b.originalTransactionId)).toBe(Status.BILLING_GRACE_PERIOD);
    await sandbox.expire(b.originalTransactionId);
    expect(await statusOf(b.originalTransactionId)).toBe(Status.EXPIRED);
    const c = await sandbox.purchase({ productId: YEARLY });
    await sandbox.refund(c.originalTransactionId);
    expect(await statusOf(c.originalTransactionId)).toBe(Status.REVOKED);
    expect((await client.getAllSubscriptionStatuses(c.originalTransactionId, [Status.ACTIVE])).data).toEqual([]);
    expect((await client.getAllSubscriptionStatuses(c.originalTransactionId, [Status.ACTIVE, Status.REVOKED])).data).toHaveLength(1);
  });

  it('a grace period that has run out reads as billing retry', async () => {
    const past = new Date(Date.now() - 60 * 86_400_000);
    const r = await sandbox.purchase({ productId: MONTHLY, at: past });
    await sandbox.failRenewal(r.originalTransactionId, { grace: true, at: past });
    const res = await clientFor(sandbox).getAllSubscriptionStatuses(r.originalTransactionId);
    expect(res.data?.[0]?.lastTransactions?.[0]?.status).toBe(Status.BILLING_RETRY);
  });

  it('unknown ids → 404 4040010, malformed ids → 400 4000006', async () => {
    const client = clientFor(sandbox);
    const missing = await apiError(client.getAllSubscriptionStatuses('1000000000000001'));
    expect(missing).toMatchObject({ httpStatusCode: 404, apiError: 4040010 });
    expect(missing.errorMessage).toEqual(expect.any(String));
    expect(await apiError(client.getAllSubscriptionStatuses('abc'))).toMatchObject({ httpStatusCode: 400, apiError: 4000006 });
    expect(await apiError(client.getTransactionInfo('1000000000000001'))).toMatchObject({ httpStatusCode: 404, apiError: 4040010 });
  });
});

describe('Get Transaction Info and History', () => {
  it('Get Transaction Info returns that transaction, signed now', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    await sandbox.renew(r.originalTransactionId);
    const res = await clientFor(sandbox).getTransactionInfo(r.transactionId);
    const tx = await verifierFor(sandbox).verifyAndDecodeTransaction(res.signedTransactionInfo as string);
    expect(tx).toMatchObject({ transactionId: r.transactionId, transactionReason: 'PURCHASE' });
  });

  it('Get Transaction History pages 20 at a time with a revision token, sorted and filtered', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    for (let i = 0; i < 22; i++) await sandbox.renew(r.originalTransactionId);
    const client = clientFor(sandbox);
    const v = verifierFor(sandbox);
    const first = await client.getTransactionHistory(r.originalTransactionId, null, {}, GetTransactionHistoryVersion.V2);
    expect(first).toMatchObject({ hasMore: true, bundleId: 'com.crossbill.app', appAppleId: 1234567890, environment: 'Sandbox' });
    expect(first.signedTransactions).toHaveLength(20);
    const second = await client.getTransactionHistory(r.originalTransactionId, first.revision ?? null, {}, GetTransactionHistoryVersion.V2);
    expect(second.hasMore).toBe(false);
    expect(second.signedTransactions).toHaveLength(3);
    const ids = await Promise.all(
      [...(first.signedTransactions ?? []), ...(second.signedTransactions ?? [])].map(async (s) => (await v.verifyAndDecodeTransaction(s)).transactionId),
    );
    expect(ids[0]).toBe(r.transactionId);
    expect(new Set(ids).size).toBe(23);
    const desc = await client.getTransactionHistory(r.originalTransactionId, null, { sort: Order.DESCENDING });
    expect((await v.verifyAndDecodeTransaction(desc.signedTransactions?.[0] as string)).transactionId).toBe(ids[22]);
    const none = await client.getTransactionHistory(r.originalTransactionId, null, { productIds: [YEARLY] });
    expect(none.signedTransactions).toEqual([]);
  });

  it('Get Refund History lists refunded transactions', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    await sandbox.refund(r.originalTransactionId);
    const res = await clientFor(sandbox).getRefundHistory(r.originalTransactionId, null);
    expect(res.signedTransactions).toHaveLength(1);
    expect((await verifierFor(sandbox).verifyAndDecodeTransaction(res.signedTransactions?.[0] as string)).revocationDate).toEqual(expect.any(Number));
  });
});

describe('notifications through the Server API', () => {
  it('Request a Test Notification → delivered TEST; Get Test Notification Status shows the attempt', async () => {
    const client = clientFor(sandbox);
    const before = receiver.received.length;
    const { testNotificationToken } = await client.requestTestNotification();
    expect(testNotificationToken).toEqual(expect.any(String));
    const [payload] = (await receiver.waitFor(before + 1)).slice(before);
    const n = await verifierFor(sandbox).verifyAndDecodeNotification(payload as string);
    expect(n.notificationType).toBe('TEST');
    const status = await client.getTestNotificationStatus(testNotificationToken as string);
    expect(status.signedPayload).toBe(payload);
    expect(status.sendAttempts).toEqual([{ attemptDate: expect.any(Number), sendAttemptResult: 'SUCCESS' }]);
    expect(await apiError(client.getTestNotificationStatus('nope'))).toMatchObject({ httpStatusCode: 404, apiError: 4040008 });
  });

  it('Request a Test Notification without a notification URL → 404 4040007', async () => {
    const bare = await startAppStoreSandbox({ port: 0 });
    try {
      expect(await apiError(clientFor(bare).requestTestNotification())).toMatchObject({ httpStatusCode: 404, apiError: 4040007 });
    } finally {
      await bare.close();
    }
  });

  it('Get Notification History by transaction, type and time', async () => {
    const start = Date.now() - 1000;
    const r = await sandbox.purchase({ productId: MONTHLY });
    await sandbox.cancelRenewal(r.originalTransactionId);
    const client = clientFor(sandbox);
    const all = await client.getNotificationHistory(null, { startDate: start, endDate: Date.now() + 1000, transactionId: r.transactionId });
    expect(all.hasMore).toBe(false);
    const types = await Promise.all(
      (all.notificationHistory ?? []).map(async (h) => (await verifierFor(sandbox).verifyAndDecodeNotification(h.signedPayload as string)).notificationType),
    );
    expect(types).toEqual(['SUBSCRIBED', 'DID_CHANGE_RENEWAL_STATUS']);
    expect(all.notificationHistory?.[0]?.sendAttempts?.[0]?.sendAttemptResult).toBe('SUCCESS');
    const subscribed = await client.getNotificationHistory(null, {
      startDate: start,
      endDate: Date.now() + 1000,
      transactionId: r.transactionId,
      notificationType: NotificationTypeV2.SUBSCRIBED,
    });
    expect(subscribed.notificationHistory).toHaveLength(1);
  });
});

describe('bearer token', () => {
  it('401 for a token signed with another key, another key id, issuer or bundle id', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const bad of [{ privateKeyPem: otherKey }, { keyId: 'ZZZZZZZZZZ' }, { issuerId: '00000000-0000-0000-0000-000000000000' }, { bundleId: 'com.example.other' }]) {
      const e = await apiError(clientFor(sandbox, bad).getAllSubscriptionStatuses(r.transactionId));
      expect(e.httpStatusCode).toBe(401);
      expect(e.apiError).toBeNull();
    }
  });

  it('401 without a token, with an expired one or one living longer than an hour', async () => {
    const url = `${sandbox.url}/inApps/v1/transactions/1000000000000001`;
    expect((await fetch(url)).status).toBe(401);
    const jwt = (claims: Record<string, unknown>) => {
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const input = `${enc({ alg: 'ES256', kid: sandbox.serverApi.keyId, typ: 'JWT' })}.${enc(claims)}`;
      const sig = cryptoSign('sha256', Buffer.from(input), { key: sandbox.serverApi.privateKeyPem, dsaEncoding: 'ieee-p1363' });
      return `${input}.${sig.toString('base64url')}`;
    };
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: sandbox.serverApi.issuerId, aud: 'appstoreconnect-v1', bid: sandbox.bundleId };
    const call = (claims: Record<string, unknown>) => fetch(url, { headers: { Authorization: `Bearer ${jwt(claims)}` } });
    expect((await call({ ...base, iat: now, exp: now + 300 })).status).toBe(404); // accepted; the id is unknown
    expect((await call({ ...base, iat: now - 900, exp: now - 600 })).status).toBe(401);
    expect((await call({ ...base, iat: now, exp: now + 7200 })).status).toBe(401);
    expect((await call({ ...base, aud: 'someone-else', iat: now, exp: now + 300 })).status).toBe(401);
  });

  it('the sandbox key works with the client as the API builds it (Environment.SANDBOX)', () => {
    expect(Environment.SANDBOX).toBe('Sandbox');
    expect(sandbox.serverApi.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(sandbox.serverApi.keyId).toMatch(/^[A-Z0-9]{10}$/);
    expect(sandbox.serverApi.issuerId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
