import { AutoRenewStatus, Status, type JWSRenewalInfoDecodedPayload, type JWSTransactionDecodedPayload } from '@apple/app-store-server-library';
import { planByAppStoreProductId } from '../plans';
import type { NormalizedStatus, StoreEnvironment } from '../store-subscription.entity';

export interface AppStoreSubscriptionState {
  status: NormalizedStatus;
  storeStatus: string;
  planKey: string | null;
  productId: string;
  currentPeriodEnd: Date | null;
  willRenew: boolean;
  gracePeriodEnd: Date | null;
  canceledAt: Date | null;
  environment: StoreEnvironment;
}

const date = (ms: number | undefined | null) => (ms ? new Date(ms) : null);

/**
 * Crossbill's view of an App Store subscription, pure. `status` (from a notification's
 * `data.status` or the Server API) is Apple's own verdict and wins when present; otherwise it
 * is derived from the transaction and renewal info. A revocation (refund, family-sharing
 * revoke) always means REVOKED; billing retry with a grace period still running is
 * IN_GRACE_PERIOD (access), without one IN_BILLING_RETRY (no access).
 */
export function appStoreSubscriptionState(input: {
  transaction: JWSTransactionDecodedPayload;
  renewal?: JWSRenewalInfoDecodedPayload | null;
  status?: Status | null;
  now?: Date;
}): AppStoreSubscriptionState {
  const { transaction, renewal } = input;
  const now = input.now ?? new Date();
  const expires = date(transaction.expiresDate);
  const grace = date(renewal?.gracePeriodExpiresDate);
  let status: NormalizedStatus;
  if (transaction.revocationDate || input.status === Status.REVOKED) status = 'revoked';
  else if (input.status === Status.ACTIVE) status = 'active';
  else if (input.status === Status.BILLING_GRACE_PERIOD) status = 'in_grace_period';
  else if (input.status === Status.BILLING_RETRY) status = 'in_billing_retry';
  else if (input.status === Status.EXPIRED) status = 'expired';
  else if (renewal?.isInBillingRetryPeriod) status = grace && grace > now ? 'in_grace_period' : 'in_billing_retry';
  else status = expires && expires > now ? 'active' : 'expired';

  const renewing = renewal ? renewal.autoRenewStatus === AutoRenewStatus.ON : status === 'active';
  return {
    status,
    storeStatus: input.status ? Status[input.status] ?? String(input.status) : 'UNKNOWN',
    planKey: transaction.productId ? (planByAppStoreProductId(transaction.productId)?.key ?? null) : null,
    productId: transaction.productId ?? 'unknown',
    currentPeriodEnd: expires,
    willRenew: renewing && status !== 'revoked' && status !== 'expired',
    gracePeriodEnd: grace,
    canceledAt: date(transaction.revocationDate),
    environment: transaction.environment === 'Production' ? 'production' : 'sandbox',
  };
}
