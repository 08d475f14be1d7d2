import type Stripe from 'stripe';

export interface SubscriptionDiscountModel {
  name: string | null;
  percentOff: number | null;
  amountOff: number | null;
  currency: string | null;
  endsAt: Date | null;
}

/**
 * The discount a stored Stripe subscription carries now (the first one whose coupon is known).
 * `discounts` must have been expanded when it was fetched (StripeSync does), ids alone say nothing.
 */
export function stripeDiscountOf(raw: unknown, now: Date): SubscriptionDiscountModel | null {
  const discounts = (raw as { discounts?: Array<string | Stripe.Discount> } | null)?.discounts ?? [];
  for (const discount of discounts) {
    if (typeof discount === 'string') continue;
    const coupon = discount.source?.coupon;
    if (!coupon || typeof coupon === 'string') continue;
    const endsAt = discount.end ? new Date(discount.end * 1000) : null;
    if (endsAt && endsAt <= now) continue;
    return { name: coupon.name ?? null, percentOff: coupon.percent_off ?? null, amountOff: coupon.amount_off ?? null, currency: coupon.currency ?? null, endsAt };
  }
  return null;
}
