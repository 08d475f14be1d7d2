/**
 * The App Store Connect side of the sandbox: Crossbill's auto-renewable subscriptions (one group) and
 * their periods. Levels follow App Store Connect: 1 is the highest level of service; moving to a
 * higher level (or to the same level with the same duration) is an immediate upgrade, anything else
 * takes effect at the next renewal.
 */

export interface Period {
  months?: number;
  years?: number;
}

export interface Product {
  productId: string;
  period: Period;
  level: number;
  /** Price in milliunits of the currency, as in signed transactions (4990 = 4.99). */
  price: number;
  currency: string;
  subscriptionGroupIdentifier: string;
}

export const SUBSCRIPTION_GROUP = '21000001';

export const DEFAULT_PRODUCTS: Product[] = [
  {
    productId: 'com.crossbill.pro.monthly',
    period: { months: 1 },
    level: 2,
    price: 4990,
    currency: 'USD',
    subscriptionGroupIdentifier: SUBSCRIPTION_GROUP,
  },
  {
    productId: 'com.crossbill.pro.yearly',
    period: { years: 1 },
    level: 1,
    price: 49990,
    currency: 'USD',
    subscriptionGroupIdentifier: SUBSCRIPTION_GROUP,
  },
];

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface Clock {
  /** Apple's sandbox renewal rates: 1 month = 5 minutes, 1 year = 1 hour. */
  accelerated: boolean;
  graceDays: number;
}

/** Adds calendar months in UTC, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29). */
function addMonths(t: number, months: number): number {
  const d = new Date(t);
  const day = d.getUTCDate();
  const target = new Date(d.getTime());
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return target.getTime();
}

export function addPeriod(t: number, period: Period, clock: Clock): number {
  const months = (period.months ?? 0) + 12 * (period.years ?? 0);
  if (clock.accelerated) {
    // Apple's sandbox: 1 month → 5 min, 2 months → 10, 3 months → 15, 6 months → 30, 1 year → 1 hour.
    return t + (months >= 12 ? (months / 12) * 60 * MINUTE : months * 5 * MINUTE);
  }
  return addMonths(t, months);
}

export function gracePeriodMs(clock: Clock): number {
  return clock.accelerated ? 3 * MINUTE : clock.graceDays * DAY;
}
