/**
 * Each player command: the subscription's new state, the signed transaction / renewal info, and the
 * V2 notification (type, subtype, status) as the API receives and verifies it.
 */
import type { JWSRenewalInfoDecodedPayload, JWSTransactionDecodedPayload, ResponseBodyV2DecodedPayload, SignedDataVerifier } from '@apple/app-store-server-library';
import { randomUUID } from 'node:crypto';
import { AppStoreSandbox, CommandResult, SandboxError, startAppStoreSandbox } from '../src';
import { MONTHLY, Receiver, TOKEN, YEARLY, startReceiver, verifierFor } from './support/harness';

let sandbox: AppStoreSandbox;
let receiver: Receiver;
let verifier: SignedDataVerifier;

beforeAll(async () => {
  receiver = await startReceiver();
  sandbox = await startAppStoreSandbox({ port: 0, notificationUrl: receiver.url, notificationRetryBaseMs: 10 });
  verifier = verifierFor(sandbox);
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

interface Seen {
  notification: ResponseBodyV2DecodedPayload;
  transaction: JWSTransactionDecodedPayload;
  renewal: JWSRenewalInfoDecodedPayload;
}

/** The notification the endpoint received for this result, verified like the API does. */
async function received(r: CommandResult): Promise<Seen> {
  expect(r.delivered).toBe(true);
  const payload = receiver.received.find((p) => p === r.signedPayload);
  expect(payload).toBeDefined();
  const notification = await verifier.verifyAndDecodeNotification(payload as string);
  expect(notification.notificationUUID).toBe(r.notificationUUID);
  const transaction = await verifier.verifyAndDecodeTransaction(notification.data?.signedTransactionInfo as string);
  const renewal = await verifier.verifyAndDecodeRenewalInfo(notification.data?.signedRenewalInfo as string);
  return { notification, transaction, renewal };
}

const uuid = () => randomUUID();
const DAY = 86_400_000;

async function rejects(p: Promise<unknown>, status: number, code: string): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(SandboxError);
  await p.catch((e: SandboxError) => {
    expect(e.status).toBe(status);
    expect(e.code).toBe(code);
  });
}

describe('purchase', () => {
  it('SUBSCRIBED / INITIAL_BUY with the app account token; the signed transaction is the one returned', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY, appAccountToken: TOKEN });
    expect(r).toMatchObject({ notificationType: 'SUBSCRIBED', subtype: 'INITIAL_BUY', status: 1 });
    expect(r.originalTransactionId).toBe(r.transactionId);
    const seen = await received(r);
    expect(seen.notification.data?.status).toBe(1);
    expect(seen.transaction).toMatchObject({ transactionId: r.transactionId, appAccountToken: TOKEN, transactionReason: 'PURCHASE' });
    expect((await verifier.verifyAndDecodeTransaction(r.signedTransaction)).transactionId).toBe(r.transactionId);
  });

  it('refuses a second purchase while the subscription is live, unknown products and non-UUID tokens', async () => {
    const token = uuid();
    await sandbox.purchase({ productId: MONTHLY, appAccountToken: token });
    await rejects(sandbox.purchase({ productId: YEARLY, appAccountToken: token }), 409, 'already_subscribed');
    await rejects(sandbox.purchase({ productId: 'com.crossbill.nope' }), 400, 'unknown_product');
    await rejects(sandbox.purchase({ productId: MONTHLY, appAccountToken: 'not-a-uuid' }), 400, 'invalid_app_account_token');
  });

  it('SUBSCRIBED / RESUBSCRIBE after expiry: same originalTransactionId, new transaction', async () => {
    const token = uuid();
    const first = await sandbox.purchase({ productId: MONTHLY, appAccountToken: token });
    await sandbox.expire(first.originalTransactionId);
    const again = await sandbox.purchase({ productId: YEARLY, appAccountToken: token });
    expect(again).toMatchObject({ notificationType: 'SUBSCRIBED', subtype: 'RESUBSCRIBE', originalTransactionId: first.originalTransactionId, status: 1 });
    expect(again.transactionId).not.toBe(first.transactionId);
    const seen = await received(again);
    expect(seen.transaction.productId).toBe(YEARLY);
    expect(seen.renewal).toMatchObject({ autoRenewStatus: 1, autoRenewProductId: YEARLY });
    expect(seen.renewal.recentSubscriptionStartDate).toBe(seen.transaction.purchaseDate);
  });

  it('the same Apple ID can resubscribe for another app account (--original-transaction-id)', async () => {
    const first = await sandbox.purchase({ productId: MONTHLY, appAccountToken: uuid() });
    await sandbox.refund(first.originalTransactionId);
    const other = uuid();
    const again = await sandbox.purchase({ productId: MONTHLY, appAccountToken: other, originalTransactionId: first.originalTransactionId });
    expect(again.subtype).toBe('RESUBSCRIBE');
    expect((await received(again)).transaction.appAccountToken).toBe(other);
  });

  it('family sharing purchases are FAMILY_SHARED; REVOKE ends them', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY, familyShared: true });
    expect((await received(r)).transaction.inAppOwnershipType).toBe('FAMILY_SHARED');
    const revoked = await sandbox.revoke(r.originalTransactionId);
    expect(revoked).toMatchObject({ notificationType: 'REVOKE', status: 5 });
    const seen = await received(revoked);
    expect(seen.transaction.revocationDate).toEqual(expect.any(Number));
    expect(seen.transaction.revocationType).toBe('FAMILY_REVOKE');
    expect(seen.notification.data?.status).toBe(5);
  });
});

describe('renewals', () => {
  it('DID_RENEW: a new transaction from the previous expiry, one calendar month on (Jan 31 → Feb 28 → Mar 28)', async () => {
    const at = new Date('2026-01-31T10:00:00Z');
    const r = await sandbox.purchase({ productId: MONTHLY, at });
    const t0 = await verifier.verifyAndDecodeTransaction(r.signedTransaction);
    expect(new Date(t0.expiresDate as number).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    const renewed = await sandbox.renew(r.originalTransactionId, { at: new Date('2026-02-28T10:00:00Z') });
    expect(renewed).toMatchObject({ notificationType: 'DID_RENEW', status: 1 });
    expect(renewed.subtype).toBeUndefined();
    const seen = await received(renewed);
    expect(seen.transaction).toMatchObject({
      originalTransactionId: r.originalTransactionId,
      transactionReason: 'RENEWAL',
      purchaseDate: t0.expiresDate,
      originalPurchaseDate: t0.purchaseDate,
    });
    expect(seen.transaction.transactionId).not.toBe(r.transactionId);
    expect(seen.transaction.webOrderLineItemId).not.toBe(t0.webOrderLineItemId);
    expect(new Date(seen.transaction.expiresDate as number).toISOString()).toBe('2026-03-28T10:00:00.000Z');
    expect(seen.notification.signedDate).toBe(Date.parse('2026-02-28T10:00:00Z'));
    expect(seen.renewal.renewalDate).toBe(seen.transaction.expiresDate);
  });

  it('DID_FAIL_TO_RENEW → billing retry (status 3), then recover → DID_RENEW / BILLING_RECOVERY', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    const failed = await sandbox.failRenewal(r.originalTransactionId);
    expect(failed).toMatchObject({ notificationType: 'DID_FAIL_TO_RENEW', status: 3 });
    expect(failed.subtype).toBeUndefined();
    const seen = await received(failed);
    expect(seen.renewal).toMatchObject({ isInBillingRetryPeriod: true, expirationIntent: 2, autoRenewStatus: 1 });
    expect(seen.renewal.gracePeriodExpiresDate).toBeUndefined();
    expect(seen.transaction.transactionId).toBe(r.transactionId);
    await rejects(sandbox.failRenewal(r.originalTransactionId), 409, 'subscription_not_active');

    const recovered = await sandbox.recover(r.originalTransactionId);
    expect(recovered).toMatchObject({ notificationType: 'DID_RENEW', subtype: 'BILLING_RECOVERY', status: 1 });
    const after = await received(recovered);
    expect(after.renewal.isInBillingRetryPeriod).toBe(false);
    expect(after.renewal.expirationIntent).toBeUndefined();
    expect(after.transaction.transactionReason).toBe('RENEWAL');
    await rejects(sandbox.recover(r.originalTransactionId), 409, 'not_in_billing_retry');
  });

  it('fail-renewal --grace → GRACE_PERIOD (status 4, gracePeriodExpiresDate 16 days after expiry); renew recovers it', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    const failed = await sandbox.failRenewal(r.originalTransactionId, { grace: true });
    expect(failed).toMatchObject({ notificationType: 'DID_FAIL_TO_RENEW', subtype: 'GRACE_PERIOD', status: 4 });
    const seen = await received(failed);
    expect(seen.renewal.isInBillingRetryPeriod).toBe(true);
    expect(seen.renewal.gracePeriodExpiresDate).toBe((seen.transaction.expiresDate as number) + 16 * DAY);
    const renewed = await sandbox.renew(r.originalTransactionId);
    expect(renewed).toMatchObject({ notificationType: 'DID_RENEW', subtype: 'BILLING_RECOVERY', status: 1 });
    // Recovered within the grace period: no gap, the new period starts at the old expiry.
    expect((await received(renewed)).transaction.purchaseDate).toBe(seen.transaction.expiresDate);
  });

  it('renew refuses when auto-renew is off or the subscription ended', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    await sandbox.cancelRenewal(r.originalTransactionId);
    await rejects(sandbox.renew(r.originalTransactionId), 409, 'auto_renew_off');
    await rejects(sandbox.failRenewal(r.originalTransactionId), 409, 'auto_renew_off');
    await sandbox.expire(r.originalTransactionId);
    await rejects(sandbox.renew(r.originalTransactionId), 409, 'subscription_not_live');
    await rejects(sandbox.renew('999'), 404, 'unknown_subscription');
  });
});

describe('expiry', () => {
  it('EXPIRED / VOLUNTARY after auto-renew was turned off', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    const off = await sandbox.cancelRenewal(r.originalTransactionId);
    expect(off).toMatchObject({ notificationType: 'DID_CHANGE_RENEWAL_STATUS', subtype: 'AUTO_RENEW_DISABLED', status: 1 });
    expect((await received(off)).renewal.autoRenewStatus).toBe(0);
    const expired = await sandbox.expire(r.originalTransactionId);
    expect(expired).toMatchObject({ notificationType: 'EXPIRED', subtype: 'VOLUNTARY', status: 2 });
    expect((await received(expired)).renewal).toMatchObject({ autoRenewStatus: 0, expirationIntent: 1, isInBillingRetryPeriod: false });
    await rejects(sandbox.expire(r.originalTransactionId), 409, 'subscription_not_live');
  });

  it('EXPIRED / BILLING_RETRY when billing retry ends', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    await sandbox.failRenewal(r.originalTransactionId);
    const expired = await sandbox.expire(r.originalTransactionId);
    expect(expired).toMatchObject({ notificationType: 'EXPIRED', subtype: 'BILLING_RETRY', status: 2 });
    expect((await received(expired)).renewal).toMatchObject({ expirationIntent: 2, isInBillingRetryPeriod: false });
  });

  it('EXPIRED / VOLUNTARY for a plain expire of an active subscription', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    expect(await sandbox.expire(r.originalTransactionId)).toMatchObject({ subtype: 'VOLUNTARY', status: 2 });
  });
});

describe('renewal status and preferences', () => {
  it('resume-renewal → AUTO_RENEW_ENABLED; refuses when already on', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    await rejects(sandbox.resumeRenewal(r.originalTransactionId), 409, 'auto_renew_on');
    await sandbox.cancelRenewal(r.originalTransactionId);
    await rejects(sandbox.cancelRenewal(r.originalTransactionId), 409, 'auto_renew_off');
    const on = await sandbox.resumeRenewal(r.originalTransactionId);
    expect(on).toMatchObject({ notificationType: 'DID_CHANGE_RENEWAL_STATUS', subtype: 'AUTO_RENEW_ENABLED' });
    expect((await received(on)).renewal.autoRenewStatus).toBe(1);
  });

  it('upgrade monthly → yearly: DID_CHANGE_RENEWAL_PREF / UPGRADE at once, new transaction, old one isUpgraded', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY, appAccountToken: uuid() });
    const up = await sandbox.upgrade(r.originalTransactionId, { productId: YEARLY });
    expect(up).toMatchObject({ notificationType: 'DID_CHANGE_RENEWAL_PREF', subtype: 'UPGRADE', status: 1, originalTransactionId: r.originalTransactionId });
    const seen = await received(up);
    expect(seen.transaction).toMatchObject({ productId: YEARLY, originalTransactionId: r.originalTransactionId, transactionReason: 'PURCHASE', price: 49990 });
    expect(seen.transaction.transactionId).not.toBe(r.transactionId);
    const start = new Date(seen.transaction.purchaseDate as number);
    start.setUTCFullYear(start.getUTCFullYear() + 1);
    expect(seen.transaction.expiresDate).toBe(start.getTime());
    expect(seen.renewal).toMatchObject({ productId: YEARLY, autoRenewProductId: YEARLY });
    expect(sandbox.transactionPayload(r.transactionId).isUpgraded).toBe(true);
  });

  it('yearly → monthly: DOWNGRADE at the next renewal; choosing yearly again cancels it', async () => {
    const r = await sandbox.purchase({ productId: YEARLY });
    const down = await sandbox.upgrade(r.originalTransactionId, { productId: MONTHLY });
    expect(down).toMatchObject({ notificationType: 'DID_CHANGE_RENEWAL_PREF', subtype: 'DOWNGRADE', transactionId: r.transactionId });
    expect((await received(down)).renewal).toMatchObject({ productId: YEARLY, autoRenewProductId: MONTHLY, renewalPrice: 4990 });
    const back = await sandbox.upgrade(r.originalTransactionId, { productId: YEARLY });
    expect(back.notificationType).toBe('DID_CHANGE_RENEWAL_PREF');
    expect(back.subtype).toBeUndefined();
    await rejects(sandbox.upgrade(r.originalTransactionId, { productId: YEARLY }), 409, 'same_product');
    await sandbox.upgrade(r.originalTransactionId, { productId: MONTHLY });
    const renewed = await sandbox.renew(r.originalTransactionId);
    expect((await received(renewed)).transaction.productId).toBe(MONTHLY);
  });
});

describe('refunds', () => {
  it('REFUND: the transaction gets revocationDate / revocationReason, the subscription is revoked (status 5)', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    const at = new Date(Date.now() + 60_000);
    const refunded = await sandbox.refund(r.originalTransactionId, { at, reason: 1 });
    expect(refunded).toMatchObject({ notificationType: 'REFUND', status: 5 });
    const seen = await received(refunded);
    expect(seen.transaction).toMatchObject({ transactionId: r.transactionId, revocationDate: at.getTime(), revocationReason: 1, revocationType: 'REFUND_FULL' });
    expect(seen.renewal.autoRenewStatus).toBe(0);
    await rejects(sandbox.refund(r.originalTransactionId), 409, 'already_revoked');
    await rejects(sandbox.renew(r.originalTransactionId), 409, 'subscription_not_live');
  });

  it('refunding an older transaction leaves the subscription active', async () => {
    const r = await sandbox.purchase({ productId: MONTHLY });
    await sandbox.renew(r.originalTransactionId);
    const refunded = await sandbox.refund(r.originalTransactionId, { transactionId: r.transactionId });
    expect(refunded.status).toBe(1);
    expect((await received(refunded)).transaction.transactionId).toBe(r.transactionId);
  });
});

describe('test notifications and time', () => {
  it('TEST carries only the app identifiers', async () => {
    const t = await sandbox.sendTestNotification();
    expect(t.delivered).toBe(true);
    const n = await verifier.verifyAndDecodeNotification(t.signedPayload);
    expect(n.notificationType).toBe('TEST');
    expect(n.data).toEqual({ appAppleId: 1234567890, bundleId: 'com.crossbill.app', environment: 'Sandbox' });
  });

  it('accelerated renewals use Apple sandbox rates (1 month = 5 minutes, 1 year = 1 hour)', async () => {
    const fast = await startAppStoreSandbox({ port: 0, acceleratedRenewals: true });
    try {
      const at = new Date('2026-05-01T00:00:00Z');
      const m = await fast.purchase({ productId: MONTHLY, at });
      const y = await fast.purchase({ productId: YEARLY, at });
      const v = verifierFor(fast);
      expect((await v.verifyAndDecodeTransaction(m.signedTransaction)).expiresDate).toBe(at.getTime() + 5 * 60_000);
      expect((await v.verifyAndDecodeTransaction(y.signedTransaction)).expiresDate).toBe(at.getTime() + 60 * 60_000);
      const failed = await fast.failRenewal(m.originalTransactionId, { grace: true, at });
      expect((await v.verifyAndDecodeRenewalInfo(failed.signedRenewalInfo)).gracePeriodExpiresDate).toBe(at.getTime() + 8 * 60_000);
    } finally {
      await fast.close();
    }
  });
});
