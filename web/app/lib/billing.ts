import type { Store, SubscriptionFieldsFragment, SubscriptionStatus } from '~/graphql/generated';

// How a subscription reads on the page: status in words, renewal line, store. Pure, shared by
// the account page and the return page.

export type SubscriptionView = SubscriptionFieldsFragment;

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

/** "21 November 2026" */
export const formatDate = (iso: string) => dateFormat.format(new Date(iso));

const STATUS_WORDS: Record<SubscriptionStatus, string> = {
  INCOMPLETE: 'Waiting for payment',
  TRIALING: 'Free trial',
  ACTIVE: 'Active',
  IN_GRACE_PERIOD: 'Payment failed',
  IN_BILLING_RETRY: 'Payment failed',
  PAUSED: 'Paused',
  EXPIRED: 'Ended',
  REVOKED: 'Refunded',
};

export const statusInWords = (status: SubscriptionStatus) => STATUS_WORDS[status] ?? status;

/** ok: access as usual; warn: needs attention; off: no access. */
export function statusTone(s: Pick<SubscriptionView, 'status' | 'willRenew'>): 'ok' | 'warn' | 'off' {
  if (s.status === 'ACTIVE' || s.status === 'TRIALING') return s.willRenew ? 'ok' : 'warn';
  if (s.status === 'IN_GRACE_PERIOD' || s.status === 'IN_BILLING_RETRY' || s.status === 'INCOMPLETE' || s.status === 'PAUSED') return 'warn';
  return 'off';
}

const STORE_NAMES: Record<Store, string> = {
  STRIPE: 'Web (card, Stripe)',
  APP_STORE: 'App Store (iPhone)',
  PROMOTIONAL: 'Promotional',
};

export const storeName = (store: Store) => STORE_NAMES[store] ?? store;

/** Where the subscription is managed, in a sentence: for ALREADY_SUBSCRIBED and the account page. */
export const STORE_OWNER: Record<Store, string> = {
  STRIPE: 'on the web with a card',
  APP_STORE: 'through the App Store',
  PROMOTIONAL: 'as a promotional grant',
};

export const isStore = (value: unknown): value is Store => value === 'STRIPE' || value === 'APP_STORE' || value === 'PROMOTIONAL';

/** True while the subscription gives access (the API's rule, minus the expiry check it does itself). */
export const isLive = (s: Pick<SubscriptionView, 'status'>) =>
  s.status === 'ACTIVE' || s.status === 'TRIALING' || s.status === 'IN_GRACE_PERIOD';

/** A Stripe subscription the subscriber can change, cancel or resume from the account page. */
export const isManageableHere = (s: Pick<SubscriptionView, 'store' | 'status'>) =>
  s.store === 'STRIPE' && (s.status === 'ACTIVE' || s.status === 'TRIALING');

/** "Renews on …", "Ends on …", "Payment failed — update your card", … */
export function renewalLine(s: Pick<SubscriptionView, 'status' | 'willRenew' | 'currentPeriodEnd' | 'canceledAt'>): string | null {
  const end = s.currentPeriodEnd ? formatDate(s.currentPeriodEnd) : null;
  switch (s.status) {
    case 'ACTIVE':
    case 'TRIALING':
      if (!end) return null;
      if (!s.willRenew) return `Ends on ${end}`;
      return s.status === 'TRIALING' ? `Trial ends on ${end}, then renews` : `Renews on ${end}`;
    case 'IN_GRACE_PERIOD':
    case 'IN_BILLING_RETRY':
      return 'Payment failed — update your card';
    case 'INCOMPLETE':
      return 'The first payment has not gone through yet';
    case 'PAUSED':
      return 'Payments are paused';
    case 'EXPIRED':
    case 'REVOKED':
      return end ? `Ended on ${end}` : s.canceledAt ? `Ended on ${formatDate(s.canceledAt)}` : 'Ended';
    default:
      return null;
  }
}

/** "Visa" from "visa", "American Express" from "amex". */
export function cardBrand(brand: string): string {
  const names: Record<string, string> = {
    amex: 'American Express',
    diners: 'Diners Club',
    discover: 'Discover',
    eftpos_au: 'eftpos',
    jcb: 'JCB',
    mastercard: 'Mastercard',
    unionpay: 'UnionPay',
    visa: 'Visa',
    cartes_bancaires: 'Cartes Bancaires',
    link: 'Link',
  };
  return names[brand.toLowerCase()] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
}

/** The account page's billing forms (the `intent` of their buttons). */
export const BILLING_INTENTS = [
  'preview-plan-change',
  'change-plan',
  'cancel-subscription',
  'confirm-cancellation',
  'resume-subscription',
  'billing-portal',
] as const;
export type BillingIntent = (typeof BILLING_INTENTS)[number];

export const isBillingIntent = (intent: unknown): intent is BillingIntent => BILLING_INTENTS.includes(intent as BillingIntent);
