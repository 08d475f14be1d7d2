/**
 * What every part of the sandbox shares, and the signed shapes it hands out: StoreKit 2 transactions
 * (JWSTransaction), renewal infos (JWSRenewalInfo) and the subscription status numbers.
 */
import { CertificateAuthority } from './certs';
import { signJws } from './jws';
import type { Clock, Product } from './products';
import type { AppStoreState, SubscriptionRecord, TransactionRecord } from './state';

export const ENVIRONMENT = 'Sandbox' as const;
export const STOREFRONT = { storefront: 'USA', storefrontId: '143441' } as const;

export interface Ctx {
  state: AppStoreState;
  ca: CertificateAuthority;
  bundleId: string;
  appAppleId: number;
  bundleVersion: string;
  products: Map<string, Product>;
  clock: Clock;
  notificationUrl?: string;
  notificationRetryBaseMs: number;
  notificationMaxAttempts: number;
  log: (m: string) => void;
  /** Deliveries (with their retries) still running. */
  pending: Set<Promise<void>>;
  /** Retry waits, with the function that ends each early (on close). */
  timers: Map<NodeJS.Timeout, () => void>;
  closed: boolean;
}

/** An error the control API and the library functions report as is (HTTP status + stable code). */
export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function signPayload(ctx: Ctx, payload: object, signedDate: number): Promise<string> {
  return signJws(payload, await ctx.ca.signerFor(new Date(signedDate)));
}

/** The decoded JWSTransaction, in the order Apple writes the fields. */
export function transactionPayload(ctx: Ctx, t: TransactionRecord, signedDate: number): Record<string, unknown> {
  const p: Record<string, unknown> = {
    transactionId: t.transactionId,
    originalTransactionId: t.originalTransactionId,
    webOrderLineItemId: t.webOrderLineItemId,
    bundleId: ctx.bundleId,
    productId: t.productId,
    subscriptionGroupIdentifier: t.subscriptionGroupIdentifier,
    purchaseDate: t.purchaseDate,
    originalPurchaseDate: t.originalPurchaseDate,
    expiresDate: t.expiresDate,
    quantity: t.quantity,
    type: t.type,
  };
  if (t.appAccountToken) p.appAccountToken = t.appAccountToken;
  p.inAppOwnershipType = t.inAppOwnershipType;
  p.signedDate = signedDate;
  if (t.revocationReason !== undefined) p.revocationReason = t.revocationReason;
  if (t.revocationDate !== undefined) p.revocationDate = t.revocationDate;
  if (t.isUpgraded) p.isUpgraded = true;
  p.environment = ENVIRONMENT;
  p.transactionReason = t.transactionReason;
  p.storefront = t.storefront;
  p.storefrontId = t.storefrontId;
  p.price = t.price;
  p.currency = t.currency;
  if (t.revocationType) p.revocationType = t.revocationType;
  return p;
}

export function latestTransaction(sub: SubscriptionRecord): TransactionRecord {
  const t = sub.transactions[sub.transactions.length - 1];
  if (!t) throw new Error(`subscription ${sub.originalTransactionId} has no transactions`);
  return t;
}

/** The decoded JWSRenewalInfo. */
export function renewalInfoPayload(ctx: Ctx, sub: SubscriptionRecord, signedDate: number): Record<string, unknown> {
  const latest = latestTransaction(sub);
  const next = ctx.products.get(sub.autoRenewProductId);
  const p: Record<string, unknown> = {};
  if (sub.expirationIntent !== undefined) p.expirationIntent = sub.expirationIntent;
  p.originalTransactionId = sub.originalTransactionId;
  p.autoRenewProductId = sub.autoRenewProductId;
  p.productId = latest.productId;
  p.autoRenewStatus = sub.autoRenewStatus;
  p.isInBillingRetryPeriod = sub.state === 'billing_retry' || sub.state === 'grace_period';
  if (sub.state === 'grace_period' && sub.gracePeriodExpiresDate !== undefined) p.gracePeriodExpiresDate = sub.gracePeriodExpiresDate;
  p.signedDate = signedDate;
  p.environment = ENVIRONMENT;
  p.recentSubscriptionStartDate = sub.recentSubscriptionStartDate;
  p.renewalDate = latest.expiresDate;
  if (next) {
    p.currency = next.currency;
    p.renewalPrice = next.price;
  }
  if (sub.appAccountToken) p.appAccountToken = sub.appAccountToken;
  return p;
}

/** Server API / notification status: 1 active, 2 expired, 3 billing retry, 4 grace period, 5 revoked. */
export function statusOf(sub: SubscriptionRecord, now: number): 1 | 2 | 3 | 4 | 5 {
  switch (sub.state) {
    case 'active':
      return 1;
    case 'expired':
      return 2;
    case 'billing_retry':
      return 3;
    case 'grace_period':
      return sub.gracePeriodExpiresDate !== undefined && sub.gracePeriodExpiresDate > now ? 4 : 3;
    case 'revoked':
      return 5;
  }
}

export const signTransaction = (ctx: Ctx, t: TransactionRecord, signedDate: number) =>
  signPayload(ctx, transactionPayload(ctx, t, signedDate), signedDate);

export const signRenewalInfo = (ctx: Ctx, sub: SubscriptionRecord, signedDate: number) =>
  signPayload(ctx, renewalInfoPayload(ctx, sub, signedDate), signedDate);
