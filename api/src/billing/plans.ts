// The catalogue: the one place a plan is defined. Plan key ↔ Stripe price lookup_key ↔
// App Store product ids ↔ entitlements. `npm run stripe:sync` creates the Stripe products
// and prices from it; the App Store side is configured in App Store Connect with these ids.

export type PlanInterval = 'month' | 'year';

export interface PlanDefinition {
  key: string;
  name: string;
  description: string;
  /** Smallest currency unit (cents). */
  amount: number;
  currency: string;
  interval: PlanInterval;
  /** The Stripe price's lookup_key: how Crossbill finds the price in any Stripe account. */
  stripeLookupKey: string;
  appStoreProductIds: string[];
  entitlements: string[];
}

export const plans: readonly PlanDefinition[] = [
  {
    key: 'pro-monthly',
    name: 'Pro, monthly',
    description: 'Everything in Pro, billed every month.',
    amount: 900,
    currency: 'usd',
    interval: 'month',
    stripeLookupKey: 'crossbill_pro_monthly',
    appStoreProductIds: ['com.crossbill.pro.monthly'],
    entitlements: ['pro'],
  },
  {
    key: 'pro-yearly',
    name: 'Pro, yearly',
    description: 'Everything in Pro, billed once a year: two months free.',
    amount: 9000,
    currency: 'usd',
    interval: 'year',
    stripeLookupKey: 'crossbill_pro_yearly',
    appStoreProductIds: ['com.crossbill.pro.yearly'],
    entitlements: ['pro'],
  },
];

export function planByKey(key: string): PlanDefinition | undefined {
  return plans.find((p) => p.key === key);
}

export function planByStripeLookupKey(lookupKey: string | null | undefined): PlanDefinition | undefined {
  return lookupKey ? plans.find((p) => p.stripeLookupKey === lookupKey) : undefined;
}

export function planByAppStoreProductId(productId: string): PlanDefinition | undefined {
  return plans.find((p) => p.appStoreProductIds.includes(productId));
}

/** "$9.00 / month" */
export function priceLabel(plan: PlanDefinition): string {
  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: plan.currency.toUpperCase() }).format(plan.amount / 100);
  return `${money} / ${plan.interval}`;
}
