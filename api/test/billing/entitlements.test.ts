import { computeEntitlements, hasDuplicateSubscriptions, type SubscriptionFacts } from '../../src/billing/entitlements/entitlements';

const now = new Date('2026-11-21T12:00:00Z');
const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000);
const sub = (over: Partial<SubscriptionFacts>): SubscriptionFacts => ({
  store: 'stripe',
  planKey: 'pro-monthly',
  productId: 'price_1',
  status: 'active',
  currentPeriodEnd: inDays(10),
  gracePeriodEnd: null,
  willRenew: true,
  ...over,
});
const pro = (subs: SubscriptionFacts[]) => computeEntitlements(subs, now, (s) => `manage:${s}`)[0]!;

describe('computeEntitlements (the table)', () => {
  it.each<[string, SubscriptionFacts[], Partial<ReturnType<typeof pro>>]>([
    ['nothing bought', [], { key: 'pro', active: false, store: null, expiresAt: null }],
    ['Stripe active', [sub({})], { active: true, store: 'stripe', expiresAt: inDays(10), willRenew: true, managementUrl: 'manage:stripe' }],
    ['App Store active', [sub({ store: 'app_store', planKey: 'pro-yearly', productId: 'com.crossbill.pro.yearly', currentPeriodEnd: inDays(300) })], { active: true, store: 'app_store', productId: 'com.crossbill.pro.yearly' }],
    ['both active: the longer access owns it', [sub({ currentPeriodEnd: inDays(10) }), sub({ store: 'app_store', currentPeriodEnd: inDays(20), willRenew: false })], { active: true, store: 'app_store', expiresAt: inDays(20), willRenew: false }],
    ['App Store expired (EXPIRED event) while Stripe renews: still on', [sub({ store: 'app_store', status: 'expired', currentPeriodEnd: inDays(-1) }), sub({})], { active: true, store: 'stripe' }],
    ['one expiring by the clock, no event, the other renewing', [sub({ store: 'app_store', status: 'active', currentPeriodEnd: inDays(-0.01) }), sub({ currentPeriodEnd: inDays(5) })], { active: true, store: 'stripe' }],
    ['active status but the period ended (no event yet): off', [sub({ currentPeriodEnd: inDays(-0.001) })], { active: false, store: 'stripe', willRenew: false }],
    ['refunded (revoked): off', [sub({ status: 'revoked' })], { active: false }],
    ['revoked on one store, active on the other: on', [sub({ status: 'revoked' }), sub({ store: 'app_store', currentPeriodEnd: inDays(3) })], { active: true, store: 'app_store' }],
    ['grace period: on until the grace end', [sub({ status: 'in_grace_period', currentPeriodEnd: inDays(-1), gracePeriodEnd: inDays(2) })], { active: true, inGracePeriod: true, expiresAt: inDays(2) }],
    ['grace period over: off', [sub({ status: 'in_grace_period', currentPeriodEnd: inDays(-5), gracePeriodEnd: inDays(-1) })], { active: false, inGracePeriod: false }],
    ['billing retry: off', [sub({ status: 'in_billing_retry' })], { active: false }],
    ['Stripe collection paused: off', [sub({ status: 'paused' })], { active: false }],
    ['incomplete (unpaid): off', [sub({ status: 'incomplete' })], { active: false }],
    ['trialing: on', [sub({ status: 'trialing', currentPeriodEnd: inDays(7) })], { active: true }],
    ['cancelled but paid up: on, not renewing', [sub({ willRenew: false })], { active: true, willRenew: false }],
    ['a promotional grant without end', [sub({ store: 'promotional', planKey: null, productId: 'grant:pro', currentPeriodEnd: null, willRenew: false })], { active: true, store: 'promotional', expiresAt: null }],
    ['a product outside the catalogue grants nothing', [sub({ planKey: null })], { active: false, store: null }],
  ])('%s', (_label, subs, expected) => {
    expect(pro(subs)).toMatchObject(expected);
  });
});

describe('hasDuplicateSubscriptions', () => {
  it('is true only when two paying stores grant the same key now', () => {
    expect(hasDuplicateSubscriptions([sub({}), sub({ store: 'app_store' })], now)).toBe(true);
    expect(hasDuplicateSubscriptions([sub({}), sub({ store: 'app_store', status: 'expired' })], now)).toBe(false);
    expect(hasDuplicateSubscriptions([sub({}), sub({ store: 'promotional', planKey: null, productId: 'grant:pro' })], now)).toBe(false);
    expect(hasDuplicateSubscriptions([sub({}), sub({ productId: 'price_2' })], now)).toBe(false);
  });
});
