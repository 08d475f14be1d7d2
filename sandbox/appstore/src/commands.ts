/**
 * The iPhone's (and the App Store's) side of a subscription's life: each command changes the stored
 * subscription the way the App Store would and sends the matching V2 notification.
 *
 * Time: a command happens at `at` (default: now); that is the notification's and the signed data's
 * signedDate. The sandbox never changes a subscription on its own (no automatic renewals or expiry).
 */
import { Ctx, SandboxError, STOREFRONT, latestTransaction, signRenewalInfo, signTransaction, statusOf } from './context';
import { NotificationOutcome, notify } from './notifications';
import { Product, addPeriod, gracePeriodMs } from './products';
import type { SubscriptionRecord, TransactionRecord } from './state';

export interface CommandResult extends NotificationOutcome {
  originalTransactionId: string;
  /** The subscription's latest transaction after the command. */
  transactionId: string;
  signedTransaction: string;
  signedRenewalInfo: string;
  /** 1 active, 2 expired, 3 billing retry, 4 grace period, 5 revoked. */
  status: number;
}

export interface PurchaseOptions {
  productId: string;
  /** The user's app account token (a UUID) the app passed to StoreKit. */
  appAccountToken?: string;
  at?: Date;
  /**
   * Resubscribe this (expired or revoked) subscription — the same Apple ID buying again, possibly
   * for another app account. Without it, an expired subscription with the same appAccountToken is
   * resubscribed, else a new subscription starts.
   */
  originalTransactionId?: string;
  /** The purchase reaches this user through Family Sharing (inAppOwnershipType FAMILY_SHARED). */
  familyShared?: boolean;
}

export interface AtOptions {
  at?: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIVE = new Set(['active', 'billing_retry', 'grace_period']);

const timeOf = (o?: AtOptions) => {
  if (o?.at === undefined) return Date.now();
  const t = o.at.getTime();
  if (Number.isNaN(t)) throw new SandboxError(400, 'invalid_date', '`at` is not a valid date');
  return t;
};

function product(ctx: Ctx, productId: string | undefined): Product {
  const p = productId ? ctx.products.get(productId) : undefined;
  if (!p) {
    throw new SandboxError(
      400,
      'unknown_product',
      `Unknown product ${JSON.stringify(productId)}; known: ${[...ctx.products.keys()].join(', ')}`,
    );
  }
  return p;
}

function subscription(ctx: Ctx, originalTransactionId: string | undefined): SubscriptionRecord {
  const sub = originalTransactionId ? ctx.state.subscription(String(originalTransactionId)) : undefined;
  if (!sub) {
    const other = originalTransactionId ? ctx.state.subscriptionOfTransaction(String(originalTransactionId)) : undefined;
    throw new SandboxError(
      404,
      'unknown_subscription',
      other
        ? `${originalTransactionId} is a transaction of subscription ${other.subscription.originalTransactionId}; use the original transaction id`
        : `No subscription with original transaction id ${JSON.stringify(originalTransactionId)}`,
    );
  }
  return sub;
}

function requireLive(sub: SubscriptionRecord, what: string): void {
  if (!LIVE.has(sub.state)) {
    throw new SandboxError(
      409,
      'subscription_not_live',
      `Cannot ${what}: subscription ${sub.originalTransactionId} is ${sub.state}${sub.state === 'expired' ? ' (purchase again to resubscribe)' : ''}`,
    );
  }
}

function newTransaction(
  ctx: Ctx,
  sub: SubscriptionRecord,
  p: Product,
  purchaseDate: number,
  reason: TransactionRecord['transactionReason'],
): TransactionRecord {
  const first = sub.transactions[0];
  const transactionId = ctx.state.nextTransactionId();
  const t: TransactionRecord = {
    transactionId,
    originalTransactionId: sub.originalTransactionId || transactionId,
    webOrderLineItemId: ctx.state.nextWebOrderLineItemId(),
    productId: p.productId,
    subscriptionGroupIdentifier: p.subscriptionGroupIdentifier,
    purchaseDate,
    originalPurchaseDate: first?.originalPurchaseDate ?? purchaseDate,
    expiresDate: addPeriod(purchaseDate, p.period, ctx.clock),
    quantity: 1,
    type: 'Auto-Renewable Subscription',
    inAppOwnershipType: sub.familyShared ? 'FAMILY_SHARED' : 'PURCHASED',
    transactionReason: reason,
    ...STOREFRONT,
    price: p.price,
    currency: p.currency,
  };
  if (sub.appAccountToken) t.appAccountToken = sub.appAccountToken;
  return t;
}

async function finish(
  ctx: Ctx,
  sub: SubscriptionRecord,
  t: number,
  notificationType: string,
  subtype?: string,
  transaction?: TransactionRecord,
): Promise<CommandResult> {
  ctx.state.save();
  const outcome = await notify(ctx, { notificationType, subtype, signedDate: t, subscription: sub, transaction });
  const latest = latestTransaction(sub);
  // Ids first: the CLI prints this as is.
  return {
    originalTransactionId: sub.originalTransactionId,
    transactionId: latest.transactionId,
    status: statusOf(sub, t),
    ...outcome,
    signedTransaction: outcome.signedTransaction ?? (await signTransaction(ctx, latest, t)),
    signedRenewalInfo: outcome.signedRenewalInfo ?? (await signRenewalInfo(ctx, sub, t)),
  };
}

/** SUBSCRIBED / INITIAL_BUY for a new subscription, SUBSCRIBED / RESUBSCRIBE for an expired one. */
export async function purchase(ctx: Ctx, o: PurchaseOptions): Promise<CommandResult> {
  const p = product(ctx, o.productId);
  const t = timeOf(o);
  if (o.appAccountToken !== undefined && !UUID.test(o.appAccountToken)) {
    throw new SandboxError(400, 'invalid_app_account_token', `appAccountToken must be a UUID, got ${JSON.stringify(o.appAccountToken)}`);
  }
  const token = o.appAccountToken?.toLowerCase();
  let sub: SubscriptionRecord | undefined;
  if (o.originalTransactionId) sub = subscription(ctx, o.originalTransactionId);
  else if (token) {
    sub = [...ctx.state.subscriptions]
      .reverse()
      .find((s) => s.appAccountToken === token && latestTransaction(s).subscriptionGroupIdentifier === p.subscriptionGroupIdentifier);
  }
  if (sub && LIVE.has(sub.state)) {
    throw new SandboxError(
      409,
      'already_subscribed',
      `Subscription ${sub.originalTransactionId} (${latestTransaction(sub).productId}) is ${sub.state} for this account; use upgrade to change products`,
    );
  }
  if (sub) {
    if (token) sub.appAccountToken = token;
    if (o.familyShared !== undefined) sub.familyShared = o.familyShared;
    const tx = newTransaction(ctx, sub, p, t, 'PURCHASE');
    sub.transactions.push(tx);
    Object.assign(sub, { state: 'active', autoRenewStatus: 1, autoRenewProductId: p.productId, recentSubscriptionStartDate: t });
    delete sub.gracePeriodExpiresDate;
    delete sub.expirationIntent;
    return finish(ctx, sub, t, 'SUBSCRIBED', 'RESUBSCRIBE');
  }
  const created: SubscriptionRecord = {
    originalTransactionId: '',
    familyShared: o.familyShared ?? false,
    state: 'active',
    autoRenewStatus: 1,
    autoRenewProductId: p.productId,
    recentSubscriptionStartDate: t,
    transactions: [],
  };
  if (token) created.appAccountToken = token;
  const tx = newTransaction(ctx, created, p, t, 'PURCHASE');
  created.originalTransactionId = tx.originalTransactionId;
  created.transactions.push(tx);
  ctx.state.subscriptions.push(created);
  return finish(ctx, created, t, 'SUBSCRIBED', 'INITIAL_BUY');
}

function renewal(ctx: Ctx, sub: SubscriptionRecord, t: number): TransactionRecord {
  const prev = latestTransaction(sub);
  const p = product(ctx, sub.autoRenewProductId);
  // Recovered from billing retry: a new period starts at the recovery. Otherwise (incl. within the
  // grace period) the new period continues from the previous expiry without a gap.
  const start = sub.state === 'billing_retry' ? Math.max(t, prev.expiresDate) : prev.expiresDate;
  const tx = newTransaction(ctx, sub, p, start, 'RENEWAL');
  sub.transactions.push(tx);
  sub.state = 'active';
  delete sub.gracePeriodExpiresDate;
  delete sub.expirationIntent;
  return tx;
}

/** DID_RENEW (subtype BILLING_RECOVERY when it was in billing retry or grace period). */
export async function renew(ctx: Ctx, id: string, o?: AtOptions): Promise<CommandResult> {
  const sub = subscription(ctx, id);
  const t = timeOf(o);
  requireLive(sub, 'renew');
  if (sub.autoRenewStatus === 0) {
    throw new SandboxError(409, 'auto_renew_off', `Subscription ${id} has auto-renew turned off; resume-renewal first, or expire it`);
  }
  const recovering = sub.state !== 'active';
  renewal(ctx, sub, t);
  return finish(ctx, sub, t, 'DID_RENEW', recovering ? 'BILLING_RECOVERY' : undefined);
}

/** DID_FAIL_TO_RENEW: billing retry, or with `grace` the grace period (subtype GRACE_PERIOD). */
export async function failRenewal(ctx: Ctx, id: string, o?: AtOptions & { grace?: boolean }): Promise<CommandResult> {
  const sub = subscription(ctx, id);
  const t = timeOf(o);
  if (sub.state !== 'active') {
    throw new SandboxError(409, 'subscription_not_active', `Cannot fail the renewal: subscription ${id} is ${sub.state}`);
  }
  if (sub.autoRenewStatus === 0) {
    throw new SandboxError(409, 'auto_renew_off', `Subscription ${id} has auto-renew turned off, so no renewal is attempted; use expire`);
  }
  sub.expirationIntent = 2; // billing error
  if (o?.grace) {
    sub.state = 'grace_period';
    // The grace period runs from the renewal date that failed (or from now, when that date is long past).
    sub.gracePeriodExpiresDate = Math.max(latestTransaction(sub).expiresDate, t) + gracePeriodMs(ctx.clock);
  } else {
    sub.state = 'billing_retry';
    delete sub.gracePeriodExpiresDate;
  }
  return finish(ctx, sub, t, 'DID_FAIL_TO_RENEW', o?.grace ? 'GRACE_PERIOD' : undefined);
}

/** DID_RENEW / BILLING_RECOVERY: the App Store finally charged a subscription in billing retry or grace. */
export async function recover(ctx: Ctx, id: string, o?: AtOptions): Promise<CommandResult> {
  const sub = subscription(ctx, id);
  const t = timeOf(o);
  if (sub.state !== 'billing_retry' && sub.state !== 'grace_period') {
    throw new SandboxError(409, 'not_in_billing_retry', `Subscription ${id} is ${sub.state}, not in billing retry or grace period`);
  }
  renewal(ctx, sub, t);
  sub.autoRenewStatus = 1;
  return finish(ctx, sub, t, 'DID_RENEW', 'BILLING_RECOVERY');
}

/** EXPIRED: VOLUNTARY (auto-renew was off, or is turned off now) or BILLING_RETRY (retry ended). */
export async function expire(ctx: Ctx, id: string, o?: AtOptions): Promise<CommandResult> {
  const sub = subscription(ctx, id);
  const t = timeOf(o);
  requireLive(sub, 'expire');
  const billing = sub.state === 'billing_retry' || sub.state === 'grace_period';
  const subtype = billing && sub.autoRenewStatus === 1 ? 'BILLING_RETRY' : 'VOLUNTARY';
  sub.state = 'expired';
  sub.autoRenewStatus = 0;
  sub.expirationIntent = subtype === 'BILLING_RETRY' ? 2 : 1;
  delete sub.gracePeriodExpiresDate;
  return finish(ctx, sub, t, 'EXPIRED', subtype);
}

function revokeLatest(
  ctx: Ctx,
  id: string,
  t: number,
  fields: Pick<TransactionRecord, 'revocationReason' | 'revocationType'>,
  transactionId?: string,
): { sub: SubscriptionRecord; tx: TransactionRecord } {
  const sub = subscription(ctx, id);
  const tx = transactionId ? sub.transactions.find((x) => x.transactionId === String(transactionId)) : latestTransaction(sub);
  if (!tx) throw new SandboxError(404, 'unknown_transaction', `Subscription ${id} has no transaction ${transactionId}`);
  if (tx.revocationDate !== undefined) {
    throw new SandboxError(409, 'already_revoked', `Transaction ${tx.transactionId} was already refunded or revoked`);
  }
  tx.revocationDate = t;
  if (fields.revocationReason !== undefined) tx.revocationReason = fields.revocationReason;
  if (fields.revocationType) tx.revocationType = fields.revocationType;
  if (tx === latestTransaction(sub)) {
    sub.state = 'revoked';
    sub.autoRenewStatus = 0;
    delete sub.gracePeriodExpiresDate;
  }
  return { sub, tx };
}

/** REFUND: the (latest, or given) transaction gets revocationDate / revocationReason; the subscription is revoked. */
export async function refund(
  ctx: Ctx,
  id: string,
  o?: AtOptions & { reason?: 0 | 1; transactionId?: string },
): Promise<CommandResult> {
  const t = timeOf(o);
  const reason = o?.reason ?? 0;
  if (reason !== 0 && reason !== 1) throw new SandboxError(400, 'invalid_reason', 'reason must be 0 (other) or 1 (issue in the app)');
  const { sub, tx } = revokeLatest(ctx, id, t, { revocationReason: reason, revocationType: 'REFUND_FULL' }, o?.transactionId);
  return finish(ctx, sub, t, 'REFUND', undefined, tx);
}

/** REVOKE: Family Sharing access ended; the latest transaction is revoked (revocationType FAMILY_REVOKE). */
export async function revoke(ctx: Ctx, id: string, o?: AtOptions): Promise<CommandResult> {
  const t = timeOf(o);
  const { sub, tx } = revokeLatest(ctx, id, t, { revocationReason: 0, revocationType: 'FAMILY_REVOKE' });
  return finish(ctx, sub, t, 'REVOKE', undefined, tx);
}

/** DID_CHANGE_RENEWAL_STATUS / AUTO_RENEW_DISABLED. */
export async function cancelRenewal(ctx: Ctx, id: string, o?: AtOptions): Promise<CommandResult> {
  const sub = subscription(ctx, id);
  const t = timeOf(o);
  requireLive(sub, 'turn auto-renew off');
  if (sub.autoRenewStatus === 0) throw new SandboxError(409, 'auto_renew_off', `Auto-renew is already off for ${id}`);
  sub.autoRenewStatus = 0;
  return finish(ctx, sub, t, 'DID_CHANGE_RENEWAL_STATUS', 'AUTO_RENEW_DISABLED');
}

/** DID_CHANGE_RENEWAL_STATUS / AUTO_RENEW_ENABLED. */
export async function resumeRenewal(ctx: Ctx, id: string, o?: AtOptions): Promise<CommandResult> {
  const sub = subscription(ctx, id);
  const t = timeOf(o);
  requireLive(sub, 'turn auto-renew on');
  if (sub.autoRenewStatus === 1) throw new SandboxError(409, 'auto_renew_on', `Auto-renew is already on for ${id}`);
  sub.autoRenewStatus = 1;
  if (sub.state === 'active') delete sub.expirationIntent;
  return finish(ctx, sub, t, 'DID_CHANGE_RENEWAL_STATUS', 'AUTO_RENEW_ENABLED');
}

/**
 * DID_CHANGE_RENEWAL_PREF. To a higher level (or the same level and duration): UPGRADE, at once — a
 * new transaction (same originalTransactionId) starts a new period and the previous one gets
 * isUpgraded. Otherwise DOWNGRADE: autoRenewProductId changes and the next renewal uses it. Choosing
 * the current product while a downgrade is pending cancels it (no subtype).
 */
export async function upgrade(ctx: Ctx, id: string, o: AtOptions & { productId: string }): Promise<CommandResult> {
  const sub = subscription(ctx, id);
  const target = product(ctx, o?.productId);
  const t = timeOf(o);
  if (sub.state !== 'active') {
    throw new SandboxError(409, 'subscription_not_active', `Cannot change products: subscription ${id} is ${sub.state}`);
  }
  const latest = latestTransaction(sub);
  const current = product(ctx, latest.productId);
  if (target.subscriptionGroupIdentifier !== current.subscriptionGroupIdentifier) {
    throw new SandboxError(400, 'other_group', `${target.productId} is in another subscription group`);
  }
  if (target.productId === current.productId) {
    if (sub.autoRenewProductId === current.productId) {
      throw new SandboxError(409, 'same_product', `Subscription ${id} already renews as ${current.productId}`);
    }
    sub.autoRenewProductId = current.productId;
    return finish(ctx, sub, t, 'DID_CHANGE_RENEWAL_PREF');
  }
  const sameDuration = JSON.stringify(target.period) === JSON.stringify(current.period);
  const isUpgrade = target.level < current.level || (target.level === current.level && sameDuration);
  if (!isUpgrade) {
    sub.autoRenewProductId = target.productId;
    return finish(ctx, sub, t, 'DID_CHANGE_RENEWAL_PREF', 'DOWNGRADE');
  }
  latest.isUpgraded = true;
  sub.autoRenewProductId = target.productId;
  sub.autoRenewStatus = 1;
  delete sub.expirationIntent;
  sub.transactions.push(newTransaction(ctx, sub, target, t, 'PURCHASE'));
  return finish(ctx, sub, t, 'DID_CHANGE_RENEWAL_PREF', 'UPGRADE');
}

/** TEST: a notification without a transaction. */
export async function testNotification(ctx: Ctx, o?: AtOptions & { testNotificationToken?: string }): Promise<NotificationOutcome> {
  const t = timeOf(o);
  return notify(
    ctx,
    { notificationType: 'TEST', signedDate: t },
    o?.testNotificationToken ? { testNotificationToken: o.testNotificationToken } : {},
  );
}
