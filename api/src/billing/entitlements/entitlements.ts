import { planByKey, plans } from '../plans';
import type { NormalizedStatus, StoreName } from '../store-subscription.entity';

/** The parts of a store subscription the entitlement engine reads. */
export interface SubscriptionFacts {
  store: StoreName;
  planKey: string | null;
  productId: string;
  status: NormalizedStatus;
  currentPeriodEnd: Date | null;
  gracePeriodEnd: Date | null;
  willRenew: boolean;
}

export interface Entitlement {
  key: string;
  active: boolean;
  expiresAt: Date | null;
  willRenew: boolean;
  store: StoreName | null;
  productId: string | null;
  inGracePeriod: boolean;
  managementUrl: string | null;
}

const ACCESS_STATUSES: readonly NormalizedStatus[] = ['trialing', 'active', 'in_grace_period'];

/** Every entitlement key the catalogue can grant, in catalogue order. */
export const ENTITLEMENT_KEYS: readonly string[] = [...new Set(plans.flatMap((p) => p.entitlements))];

/** Promotional grants carry their key in the product id (`grant:<key>`); store plans, in the catalogue. */
function keysGrantedBy(s: SubscriptionFacts): string[] {
  if (s.store === 'promotional') return s.productId.startsWith('grant:') ? [s.productId.slice('grant:'.length)] : [];
  return (s.planKey && planByKey(s.planKey)?.entitlements) || [];
}

/** When this subscription's access ends: the grace period's end while in grace, else the period end; null = never. */
function accessEnd(s: SubscriptionFacts): Date | null {
  return s.status === 'in_grace_period' ? (s.gracePeriodEnd ?? s.currentPeriodEnd) : s.currentPeriodEnd;
}

/** Whether it grants access at `now` — evaluated at read time, so an expiry takes effect without any event. */
export function grantsAccess(s: SubscriptionFacts, now: Date): boolean {
  if (!ACCESS_STATUSES.includes(s.status)) return false;
  const end = accessEnd(s);
  return end === null || end > now;
}

const later = (a: Date | null, b: Date | null) => (a === null ? true : b === null ? false : a > b);

/**
 * One pure function from a user's store subscriptions to their entitlements. A key is active
 * when any subscription that grants it has access now; the store that owns it is the one
 * granting the longest access. One store's expiry, refund or cancellation therefore never
 * switches off access another store still grants.
 */
export function computeEntitlements(
  subscriptions: readonly SubscriptionFacts[],
  now: Date,
  managementUrl: (store: StoreName) => string | null = () => null,
  keys: readonly string[] = ENTITLEMENT_KEYS,
): Entitlement[] {
  return keys.map((key) => {
    const granting = subscriptions.filter((s) => keysGrantedBy(s).includes(key));
    const live = granting.filter((s) => grantsAccess(s, now));
    const pool = live.length ? live : granting;
    const best = pool.reduce<SubscriptionFacts | null>((a, s) => (a === null || later(accessEnd(s), accessEnd(a)) ? s : a), null);
    if (!best) return { key, active: false, expiresAt: null, willRenew: false, store: null, productId: null, inGracePeriod: false, managementUrl: null };
    const active = live.length > 0;
    return {
      key,
      active,
      expiresAt: accessEnd(best),
      willRenew: active && best.willRenew,
      store: best.store,
      productId: best.productId,
      inGracePeriod: active && best.status === 'in_grace_period',
      managementUrl: managementUrl(best.store),
    };
  });
}

/** True when two different paying stores grant the same key right now (the user pays twice). */
export function hasDuplicateSubscriptions(subscriptions: readonly SubscriptionFacts[], now: Date): boolean {
  return ENTITLEMENT_KEYS.some((key) => {
    const stores = new Set(
      subscriptions.filter((s) => s.store !== 'promotional' && keysGrantedBy(s).includes(key) && grantsAccess(s, now)).map((s) => s.store),
    );
    return stores.size > 1;
  });
}

/** The GraphQL `Entitlement` is this object (codegen mapper). */
export type EntitlementModel = Entitlement;
