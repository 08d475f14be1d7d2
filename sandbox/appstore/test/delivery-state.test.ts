/**
 * Notification delivery (retries with backoff, giving up, duplicates and re-signed stale payloads)
 * and state kept in `stateDir` across restarts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJws, startAppStoreSandbox } from '../src';
import { MONTHLY, TOKEN, clientFor, startReceiver, verifierFor } from './support/harness';

describe('delivery', () => {
  it('retries a failing endpoint with backoff until it answers 2xx', async () => {
    const receiver = await startReceiver();
    const sandbox = await startAppStoreSandbox({ port: 0, notificationUrl: receiver.url, notificationRetryBaseMs: 20 });
    try {
      receiver.failNext(2);
      const t0 = Date.now();
      const r = await sandbox.purchase({ productId: MONTHLY, appAccountToken: TOKEN });
      expect(r.delivered).toBe(false);
      await sandbox.notificationsIdle();
      // first attempt, then after 20 ms and 40 ms
      expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
      expect(receiver.received).toEqual([r.signedPayload, r.signedPayload, r.signedPayload]);
      const history = await clientFor(sandbox).getNotificationHistory(null, { startDate: t0 - 1000, endDate: Date.now() + 1000 });
      expect(history.notificationHistory?.[0]?.sendAttempts?.map((a) => a.sendAttemptResult)).toEqual([
        'UNSUCCESSFUL_HTTP_RESPONSE_CODE',
        'UNSUCCESSFUL_HTTP_RESPONSE_CODE',
        'SUCCESS',
      ]);
      const onlyFailures = await clientFor(sandbox).getNotificationHistory(null, { startDate: t0 - 1000, endDate: Date.now() + 1000, onlyFailures: true });
      expect(onlyFailures.notificationHistory).toEqual([]);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('gives up after notificationMaxAttempts; unreachable endpoints count as NO_RESPONSE', async () => {
    const receiver = await startReceiver();
    const sandbox = await startAppStoreSandbox({ port: 0, notificationUrl: receiver.url, notificationRetryBaseMs: 5, notificationMaxAttempts: 3 });
    try {
      receiver.failNext(10);
      await sandbox.purchase({ productId: MONTHLY });
      await sandbox.notificationsIdle();
      expect(receiver.received).toHaveLength(3);
      await receiver.close();
      const r = await sandbox.sendTestNotification();
      expect(r.delivered).toBe(false);
      await sandbox.notificationsIdle();
      const h = await clientFor(sandbox).getNotificationHistory(null, { startDate: 0, endDate: Date.now() + 1000, onlyFailures: true });
      expect(h.notificationHistory).toHaveLength(2);
      expect(h.notificationHistory?.[1]?.sendAttempts?.map((a) => a.sendAttemptResult)).toEqual(['NO_RESPONSE', 'NO_RESPONSE', 'NO_RESPONSE']);
    } finally {
      await sandbox.close();
    }
  });

  it('without a notification URL nothing is sent, but the notification is recorded; setNotificationUrl starts sending', async () => {
    const sandbox = await startAppStoreSandbox({ port: 0 });
    const receiver = await startReceiver();
    try {
      const r = await sandbox.purchase({ productId: MONTHLY });
      expect(r.delivered).toBe(false);
      sandbox.setNotificationUrl(receiver.url);
      const renewed = await sandbox.renew(r.originalTransactionId);
      expect(renewed.delivered).toBe(true);
      expect(receiver.received).toEqual([renewed.signedPayload]);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('sendSignedPayload delivers duplicates and re-signed stale notifications as they are', async () => {
    const receiver = await startReceiver();
    const sandbox = await startAppStoreSandbox({ port: 0, notificationUrl: receiver.url });
    try {
      const r = await sandbox.purchase({ productId: MONTHLY });
      const renewed = await sandbox.renew(r.originalTransactionId);
      expect((await sandbox.sendSignedPayload(r.signedPayload)).delivered).toBe(true);
      const { payload } = decodeJws<Record<string, unknown>>(r.signedPayload);
      const stale = await sandbox.signNotification({ ...payload, notificationUUID: 'c0ffee00-0000-4000-8000-000000000001' });
      expect(await sandbox.sendSignedPayload(stale)).toEqual({ notificationUUID: 'c0ffee00-0000-4000-8000-000000000001', delivered: true });
      expect(receiver.received).toEqual([r.signedPayload, renewed.signedPayload, r.signedPayload, stale]);
      const n = await verifierFor(sandbox).verifyAndDecodeNotification(stale);
      expect(n.signedDate).toBeLessThan((decodeJws<{ signedDate: number }>(renewed.signedPayload).payload.signedDate) + 1);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });

  it('close() stops pending retries', async () => {
    const receiver = await startReceiver();
    const sandbox = await startAppStoreSandbox({ port: 0, notificationUrl: receiver.url, notificationRetryBaseMs: 60_000 });
    receiver.failNext(1);
    await sandbox.purchase({ productId: MONTHLY });
    const t0 = Date.now();
    await sandbox.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    await receiver.close();
  });
});

describe('state directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'appstore-sandbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the chain, the Server API key, subscriptions and notifications across restarts', async () => {
    const first = await startAppStoreSandbox({ port: 0, stateDir: dir });
    const r = await first.purchase({ productId: MONTHLY, appAccountToken: TOKEN });
    await first.cancelRenewal(r.originalTransactionId);
    const { rootCertificateBase64, serverApi } = first;
    await first.close();

    expect(readFileSync(join(dir, 'root.cer')).toString('base64')).toBe(rootCertificateBase64);
    expect(readFileSync(join(dir, `SubscriptionKey_${serverApi.keyId}.p8`), 'utf8')).toBe(serverApi.privateKeyPem);
    expect(statSync(join(dir, 'state.json')).mode & 0o077).toBe(0);

    const second = await startAppStoreSandbox({ port: 0, stateDir: dir });
    try {
      expect(second.rootCertificateBase64).toBe(rootCertificateBase64);
      expect(second.serverApi).toEqual(serverApi);
      // The earlier signed transaction still verifies against the (same) root the API trusts.
      await verifierFor(second).verifyAndDecodeTransaction(r.signedTransaction);
      const res = await clientFor(second).getAllSubscriptionStatuses(r.originalTransactionId);
      const info = await verifierFor(second).verifyAndDecodeRenewalInfo(res.data?.[0]?.lastTransactions?.[0]?.signedRenewalInfo as string);
      expect(info.autoRenewStatus).toBe(0);
      expect(second.subscription(r.originalTransactionId)).toMatchObject({ state: 'active', autoRenewStatus: 0, appAccountToken: TOKEN });
      const renewedOn = await second.resumeRenewal(r.originalTransactionId);
      expect(renewedOn.subtype).toBe('AUTO_RENEW_ENABLED');
      // Ids keep counting up.
      const next = await second.purchase({ productId: MONTHLY });
      expect(BigInt(next.transactionId)).toBeGreaterThan(BigInt(r.transactionId));
      const h = await clientFor(second).getNotificationHistory(null, { startDate: 0, endDate: Date.now() + 1000, transactionId: r.transactionId });
      expect(h.notificationHistory).toHaveLength(3);
    } finally {
      await second.close();
    }
  });

  it('without a state directory every start has a new chain and key and writes nothing', async () => {
    const a = await startAppStoreSandbox({ port: 0 });
    const b = await startAppStoreSandbox({ port: 0 });
    try {
      expect(a.rootCertificateBase64).not.toBe(b.rootCertificateBase64);
      expect(a.serverApi.keyId).not.toBe(b.serverApi.keyId);
      const ra = await a.purchase({ productId: MONTHLY });
      const rb = await b.purchase({ productId: MONTHLY });
      expect(ra.transactionId).not.toBe(rb.transactionId);
      expect(existsSync(join(dir, 'state.json'))).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
