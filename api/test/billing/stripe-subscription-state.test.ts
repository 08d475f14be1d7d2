import type Stripe from 'stripe';
import { stripeSubscriptionState } from '../../src/billing/stripe/stripe-subscription-state';
import { invoiceSubscriptionId } from '../../src/billing/stripe/stripe-sync';

const day = 86_400;
const now = new Date('2026-11-21T12:00:00Z');
const t = Math.floor(now.getTime() / 1000);

function subscription(overrides: Partial<Stripe.Subscription> = {}, period = { start: t - 10 * day, end: t + 20 * day }): Stripe.Subscription {
  return {
    id: 'sub_1',
    object: 'subscription',
    status: 'active',
    customer: 'cus_1',
    cancel_at_period_end: false,
    cancel_at: null,
    canceled_at: null,
    ended_at: null,
    pause_collection: null,
    livemode: false,
    items: {
      object: 'list',
      has_more: false,
      url: '',
      data: [{ id: 'si_1', current_period_start: period.start, current_period_end: period.end, price: { id: 'price_1', lookup_key: 'crossbill_pro_monthly' } } as Stripe.SubscriptionItem],
    },
    ...overrides,
  } as Stripe.Subscription;
}

const state = (s: Stripe.Subscription, extra: { previousStatus?: any; gracePeriodDays?: number } = {}) =>
  stripeSubscriptionState(s, { gracePeriodDays: extra.gracePeriodDays ?? 7, now, previousStatus: extra.previousStatus });

describe('stripeSubscriptionState', () => {
  it.each<[string, Partial<Stripe.Subscription>, string, boolean]>([
    ['incomplete: first payment pending', { status: 'incomplete' }, 'incomplete', false],
    ['incomplete_expired', { status: 'incomplete_expired' }, 'expired', false],
    ['trialing', { status: 'trialing' }, 'trialing', true],
    ['active', { status: 'active' }, 'active', true],
    ['active, cancelling at period end', { status: 'active', cancel_at_period_end: true }, 'active', false],
    ['active, cancel_at set', { status: 'active', cancel_at: t + 5 * day }, 'active', false],
    ['active with collection paused', { status: 'active', pause_collection: { behavior: 'void', resumes_at: null } }, 'paused', false],
    ['paused (trial ended without a card)', { status: 'paused' }, 'paused', false],
    ['unpaid', { status: 'unpaid' }, 'in_billing_retry', true],
    ['canceled', { status: 'canceled', canceled_at: t - day, ended_at: t - day }, 'expired', false],
  ])('%s', (_label, overrides, status, willRenew) => {
    const result = state(subscription(overrides));
    expect(result.status).toBe(status);
    expect(result.willRenew).toBe(willRenew);
    expect(result.planKey).toBe('pro-monthly');
    expect(result.productId).toBe('price_1');
  });

  it('past_due is a grace period for N days after the unpaid period began, then billing retry', () => {
    const recent = state(subscription({ status: 'past_due' }, { start: t - 2 * day, end: t + 28 * day }));
    expect(recent.status).toBe('in_grace_period');
    expect(recent.gracePeriodEnd).toEqual(new Date((t + 5 * day) * 1000));
    expect(recent.willRenew).toBe(true);
    const old = state(subscription({ status: 'past_due' }, { start: t - 8 * day, end: t + 22 * day }));
    expect(old.status).toBe('in_billing_retry');
    expect(state(subscription({ status: 'past_due' }), { gracePeriodDays: 0 }).status).toBe('in_billing_retry');
  });

  it('keeps a revocation, whatever Stripe says afterwards', () => {
    expect(state(subscription({ status: 'canceled' }), { previousStatus: 'revoked' }).status).toBe('revoked');
    expect(state(subscription({ status: 'active' }), { previousStatus: 'revoked' })).toMatchObject({ status: 'revoked', willRenew: false });
  });

  it('takes the period end from the items and the canceled time from Stripe', () => {
    const result = state(subscription({ status: 'canceled', canceled_at: t - day, ended_at: t - day }));
    expect(result.currentPeriodEnd).toEqual(new Date((t + 20 * day) * 1000));
    expect(result.canceledAt).toEqual(new Date((t - day) * 1000));
  });

  it('has no plan for a price outside the catalogue', () => {
    const s = subscription();
    s.items.data[0]!.price = { id: 'price_x', lookup_key: 'someone_elses' } as Stripe.Price;
    expect(state(s).planKey).toBeNull();
  });
});

describe('invoiceSubscriptionId', () => {
  it('reads parent.subscription_details, then the legacy field', () => {
    expect(invoiceSubscriptionId({ parent: { subscription_details: { subscription: 'sub_a' } } } as unknown as Stripe.Invoice)).toBe('sub_a');
    expect(invoiceSubscriptionId({ parent: null, subscription: { id: 'sub_b' } } as unknown as Stripe.Invoice)).toBe('sub_b');
    expect(invoiceSubscriptionId({ parent: null } as unknown as Stripe.Invoice)).toBeNull();
  });
});
