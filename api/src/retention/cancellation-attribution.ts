import type { EntityManager } from 'typeorm';
import type { StoreSubscriptionEntity } from '../billing/store-subscription.entity';

// A cancellation the store reports (Stripe webhook or sync, App Store DID_CHANGE_RENEWAL_STATUS
// / AUTO_RENEW_DISABLED) is attributed to the newest live retention session of that
// subscription started within the 30 days before it: that session is then `lost`. A resume
// inside those 30 days takes the attribution back. Called from every store-subscription write.

const ATTRIBUTION_DAYS = 30;
const LIVE = ['trialing', 'active', 'in_grace_period', 'in_billing_retry', 'paused'];

type Facts = Pick<StoreSubscriptionEntity, 'store' | 'status' | 'willRenew' | 'canceledAt'>;

/** The subscriber cancelled: renewal turned off while access lasts, or (Stripe) cancelled outright. */
export function isSubscriberCancellation(before: Facts | undefined, after: Facts): boolean {
  if (!before) return false;
  const turnedOffRenewal = before.willRenew && !after.willRenew && LIVE.includes(after.status);
  const canceledOutright = after.store === 'stripe' && before.canceledAt === null && after.canceledAt !== null && after.status !== 'revoked';
  return turnedOffRenewal || canceledOutright;
}

/** Renewal turned back on (Stripe resume, App Store AUTO_RENEW_ENABLED). */
export function isResumption(before: Facts | undefined, after: Facts): boolean {
  return !!before && !before.willRenew && after.willRenew && LIVE.includes(after.status);
}

export async function recordStoreCancellation(manager: EntityManager, subscriptionId: string, at: Date): Promise<void> {
  await manager.query(
    `UPDATE cancel_session SET canceled_in_store_at = $2, verdict = 'lost', verdict_at = now()
      WHERE id = (SELECT id FROM cancel_session
                   WHERE subscription_id = $1 AND mode = 'live' AND canceled_in_store_at IS NULL
                     AND created_at <= $2::timestamptz + interval '5 minutes' AND created_at > $2::timestamptz - make_interval(days => $3::int)
                   ORDER BY created_at DESC LIMIT 1)`,
    [subscriptionId, at, ATTRIBUTION_DAYS],
  );
}

export async function withdrawStoreCancellation(manager: EntityManager, subscriptionId: string, at: Date): Promise<void> {
  await manager.query(
    `UPDATE cancel_session SET canceled_in_store_at = NULL, verdict = NULL, verdict_at = NULL
      WHERE subscription_id = $1 AND canceled_in_store_at IS NOT NULL AND created_at > $2::timestamptz - make_interval(days => $3::int)`,
    [subscriptionId, at, ATTRIBUTION_DAYS],
  );
}
