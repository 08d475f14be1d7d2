import type Stripe from 'stripe';
import { planByStripeLookupKey } from '../plans';
import type { NormalizedStatus } from '../store-subscription.entity';

export interface StripeSubscriptionState {
  status: NormalizedStatus;
  storeStatus: Stripe.Subscription.Status;
  planKey: string | null;
  /** The price id. */
  productId: string;
  currentPeriodEnd: Date | null;
  willRenew: boolean;
  canceledAt: Date | null;
  gracePeriodEnd: Date | null;
}

const fromUnix = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000) : null);

/**
 * Crossbill's view of a Stripe subscription; pure, so every status rule is testable without
 * Stripe or a database.
 *
 * - `incomplete` (first payment not done) → incomplete; `incomplete_expired` / `canceled` → expired.
 * - `active` with `pause_collection` → paused (Stripe stops charging; we stop granting access).
 * - `past_due` → in_grace_period until `gracePeriodDays` after the unpaid period started, then
 *   in_billing_retry; `unpaid` → in_billing_retry. (Stripe keeps retrying meanwhile.)
 * - A subscription Crossbill revoked (a full refund) stays revoked whatever Stripe says later.
 */
export function stripeSubscriptionState(
  subscription: Stripe.Subscription,
  options: { gracePeriodDays: number; now?: Date; previousStatus?: NormalizedStatus },
): StripeSubscriptionState {
  const now = options.now ?? new Date();
  const item = subscription.items.data[0];
  const price = item?.price;
  const periodEnds = subscription.items.data.map((i) => i.current_period_end).filter(Boolean);
  const periodStarts = subscription.items.data.map((i) => i.current_period_start).filter(Boolean);
  const currentPeriodEnd = fromUnix(periodEnds.length ? Math.max(...periodEnds) : subscription.ended_at);
  const periodStart = fromUnix(periodStarts.length ? Math.max(...periodStarts) : null);

  let status: NormalizedStatus;
  let gracePeriodEnd: Date | null = null;
  switch (subscription.status) {
    case 'incomplete':
      status = 'incomplete';
      break;
    case 'trialing':
      status = 'trialing';
      break;
    case 'active':
      status = subscription.pause_collection ? 'paused' : 'active';
      break;
    case 'past_due':
      gracePeriodEnd = periodStart && options.gracePeriodDays > 0 ? new Date(periodStart.getTime() + options.gracePeriodDays * 86_400_000) : null;
      status = gracePeriodEnd && gracePeriodEnd > now ? 'in_grace_period' : 'in_billing_retry';
      break;
    case 'unpaid':
      status = 'in_billing_retry';
      break;
    case 'paused':
      status = 'paused';
      break;
    case 'incomplete_expired':
    case 'canceled':
    default:
      status = 'expired';
  }
  if (options.previousStatus === 'revoked') status = 'revoked';

  const ending = Boolean(subscription.cancel_at_period_end || subscription.cancel_at || subscription.ended_at);
  const renewing = ['trialing', 'active', 'past_due', 'unpaid'].includes(subscription.status) && !subscription.pause_collection;
  return {
    status,
    storeStatus: subscription.status,
    planKey: planByStripeLookupKey(price?.lookup_key)?.key ?? null,
    productId: price?.id ?? 'unknown',
    currentPeriodEnd,
    willRenew: renewing && !ending && status !== 'revoked',
    canceledAt: fromUnix(subscription.canceled_at),
    gracePeriodEnd,
  };
}
