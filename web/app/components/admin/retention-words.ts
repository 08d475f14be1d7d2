import type { AnalyticsPeriod, CancelOfferKind, CancelReason } from '~/graphql/generated';

// The retention vocabulary in the admins' words, shared by the admin pages (server and browser).

/** Stripe's cancellation feedback reasons, in Stripe's order. */
export const CANCEL_REASONS = [
  'TOO_EXPENSIVE',
  'MISSING_FEATURES',
  'SWITCHED_SERVICE',
  'UNUSED',
  'CUSTOMER_SERVICE',
  'TOO_COMPLEX',
  'LOW_QUALITY',
  'OTHER',
] as const satisfies readonly CancelReason[];

export const REASON_NAMES: Record<CancelReason, string> = {
  TOO_EXPENSIVE: 'Too expensive',
  MISSING_FEATURES: 'Missing features',
  SWITCHED_SERVICE: 'Switched service',
  UNUSED: 'Unused',
  CUSTOMER_SERVICE: 'Customer service',
  TOO_COMPLEX: 'Too complex',
  LOW_QUALITY: 'Low quality',
  OTHER: 'Other',
};

export const OFFER_KINDS = ['DISCOUNT', 'PAUSE', 'SWITCH_PLAN', 'CONTACT_SUPPORT', 'NONE'] as const satisfies readonly CancelOfferKind[];

export const OFFER_KIND_NAMES: Record<CancelOfferKind, string> = {
  DISCOUNT: 'Discount',
  PAUSE: 'Pause',
  SWITCH_PLAN: 'Switch plan',
  CONTACT_SUPPORT: 'Contact support',
  NONE: 'No offer',
};

export const PERIODS = ['DAY', 'WEEK', 'MONTH'] as const satisfies readonly AnalyticsPeriod[];

export const PERIOD_NAMES: Record<AnalyticsPeriod, string> = { DAY: 'Day', WEEK: 'Week', MONTH: 'Month' };

export const isCancelReason = (value: unknown): value is CancelReason => (CANCEL_REASONS as readonly unknown[]).includes(value);
export const isOfferKind = (value: unknown): value is CancelOfferKind => (OFFER_KINDS as readonly unknown[]).includes(value);
export const isPeriod = (value: unknown): value is AnalyticsPeriod => (PERIODS as readonly unknown[]).includes(value);

/** "42%" (null: "—", nothing decided yet). */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio == null || !Number.isFinite(ratio)) return '—';
  return `${Math.round(ratio * 100)}%`;
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** "12 May 2026, 10:04 UTC" */
export const formatDateTime = (iso: string) => `${dateTime.format(new Date(iso))} UTC`;
