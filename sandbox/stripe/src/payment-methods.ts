/**
 * Payment methods and Stripe's test cards. The magic ids (`pm_card_visa`, …) and tokens
 * (`tok_visa`, …) become a fresh `pm_…` when used, as in Stripe test mode.
 */
import type Stripe from 'stripe';
import { createHash } from 'node:crypto';
import { Ctx } from './context';
import { ApiError } from './errors';
import { FormObject, int, mergeMetadata, obj, required, str } from './form';
import { Api } from './http';
import { newId } from './ids';
import { paginate } from './store';

export type CardBehavior =
  | 'succeed' // every charge succeeds
  | 'decline' // every charge (and attaching) is declined
  | 'decline_charges' // attaches fine; every charge is declined (failed renewals)
  | 'auth_always' // every charge requires 3-D Secure authentication
  | 'auth_unless_setup' // on-session charges require authentication; off-session ones succeed once set up
  | 'dispute'; // the charge succeeds and is disputed right away

export interface TestCard {
  number: string;
  brand: string;
  behavior: CardBehavior;
  declineCode?: string;
  funding?: string;
}

export const TEST_CARDS: TestCard[] = [
  { number: '4242424242424242', brand: 'visa', behavior: 'succeed' },
  { number: '4000056655665556', brand: 'visa', behavior: 'succeed', funding: 'debit' },
  { number: '5555555555554444', brand: 'mastercard', behavior: 'succeed' },
  { number: '378282246310005', brand: 'amex', behavior: 'succeed' },
  { number: '4000000000000002', brand: 'visa', behavior: 'decline', declineCode: 'generic_decline' },
  { number: '4000000000009995', brand: 'visa', behavior: 'decline', declineCode: 'insufficient_funds' },
  { number: '4000000000000341', brand: 'visa', behavior: 'decline_charges', declineCode: 'generic_decline' },
  { number: '4000002760003184', brand: 'visa', behavior: 'auth_always' },
  { number: '4000002500003155', brand: 'visa', behavior: 'auth_unless_setup' },
  { number: '4000000000000259', brand: 'visa', behavior: 'dispute' },
];

export const MAGIC_PAYMENT_METHODS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_visa_debit: '4000056655665556',
  pm_card_mastercard: '5555555555554444',
  pm_card_amex: '378282246310005',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeCustomerFail: '4000000000000341',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_authenticationRequiredOnSetup: '4000002500003155',
  pm_card_createDispute: '4000000000000259',
  tok_visa: '4242424242424242',
  tok_mastercard: '5555555555554444',
  tok_chargeDeclined: '4000000000000002',
  tok_chargeCustomerFail: '4000000000000341',
};

export interface PaymentMethodMeta {
  number: string;
  /** Authenticated once for off-session use (matters for 4000 0025 0000 3155). */
  setup: boolean;
}

function luhn(n: string): boolean {
  let sum = 0;
  for (let i = 0; i < n.length; i++) {
    let d = Number(n[n.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return n.length >= 12 && sum % 10 === 0;
}

export function cardFor(number: string): TestCard {
  const card = TEST_CARDS.find((c) => c.number === number);
  if (card) return card;
  if (!luhn(number)) throw ApiError.card('incorrect_number', 'Your card number is incorrect.', { param: 'number' });
  throw ApiError.card(
    'card_declined',
    'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
    { decline_code: 'test_mode_live_card' },
  );
}

export function behaviorOf(ctx: Ctx, pmId: string): { card: TestCard; meta: Partial<PaymentMethodMeta> } {
  const meta = ctx.store.meta<PaymentMethodMeta>(pmId);
  return { card: cardFor(meta.number ?? '4242424242424242'), meta };
}

export function createCardPaymentMethod(
  ctx: Ctx,
  data: { number: string; exp_month?: number; exp_year?: number; billing?: FormObject; metadata?: FormObject[string] },
  now: number,
): Stripe.PaymentMethod {
  const number = data.number.replace(/\D/g, '');
  const card = cardFor(number);
  const b = data.billing ?? {};
  const bs = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : null);
  const pm: Stripe.PaymentMethod = {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: bs('email'),
      name: bs('name'),
      phone: bs('phone'),
      tax_id: null,
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: card.brand,
      exp_month: data.exp_month ?? 12,
      exp_year: data.exp_year ?? new Date().getUTCFullYear() + 3,
      fingerprint: createHash('sha256').update(number).digest('base64url').slice(0, 16),
      funding: card.funding ?? 'credit',
      generated_from: null,
      last4: number.slice(-4),
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: now,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: mergeMetadata({}, data.metadata),
    type: 'card',
  };
  ctx.store.put(pm);
  Object.assign(ctx.store.meta<PaymentMethodMeta>(pm.id), { number, setup: false });
  return pm;
}

/** A stored payment method, or a fresh one for a magic test id. */
export function materialize(ctx: Ctx, id: string, param = 'payment_method', now = ctx.realNow()): Stripe.PaymentMethod {
  const magic = MAGIC_PAYMENT_METHODS[id];
  if (magic) return createCardPaymentMethod(ctx, { number: magic }, now);
  const pm = ctx.store.get<Stripe.PaymentMethod>('payment_method', id);
  if (!pm) throw ApiError.missing('PaymentMethod', id, param);
  return pm;
}

export function attachPaymentMethod(ctx: Ctx, id: string, customer: string): Stripe.PaymentMethod {
  const pm = materialize(ctx, id, 'payment_method', ctx.nowForCustomer(customer));
  if (pm.customer && pm.customer !== customer) {
    throw ApiError.invalid(
      'The payment method you provided has already been attached to a customer.',
      'payment_method',
    );
  }
  if (pm.customer === customer) return pm;
  const { card } = behaviorOf(ctx, pm.id);
  if (card.behavior === 'decline') {
    throw ApiError.card('card_declined', 'Your card was declined.', { decline_code: card.declineCode, param: '' });
  }
  pm.customer = customer;
  ctx.store.put(pm);
  ctx.emit('payment_method.attached', pm);
  return pm;
}

/** For `default_payment_method` params: magic ids are created and attached; others must belong to the customer. */
export function resolvePaymentMethodForCustomer(ctx: Ctx, customer: string, id: string, param: string): Stripe.PaymentMethod {
  if (MAGIC_PAYMENT_METHODS[id]) return attachPaymentMethod(ctx, id, customer);
  const pm = materialize(ctx, id, param);
  if (pm.customer !== customer) {
    throw ApiError.invalid(
      `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`,
      param,
      'resource_missing',
    );
  }
  return pm;
}

/** `payment_method_data[type]=card&payment_method_data[card][number]=…` as Stripe.js sends it. */
export function paymentMethodFromData(ctx: Ctx, data: FormObject, now: number): Stripe.PaymentMethod {
  const card = obj(data.card, 'payment_method_data[card]') ?? {};
  const token = str(card.token);
  const number = token ? MAGIC_PAYMENT_METHODS[token] : str(card.number, 'payment_method_data[card][number]');
  return createCardPaymentMethod(
    ctx,
    {
      number: required(number, 'payment_method_data[card][number]'),
      exp_month: int(card.exp_month),
      exp_year: int(card.exp_year),
      billing: obj(data.billing_details),
      metadata: data.metadata,
    },
    now,
  );
}

export function registerPaymentMethods(api: Api, ctx: Ctx): void {
  api.post('/v1/payment_methods', ({ params }) => {
    const type = str(params.type, 'type') ?? 'card';
    if (type !== 'card') throw ApiError.invalid(`The sandbox supports only card payment methods (got ${type}).`, 'type');
    return paymentMethodFromData(ctx, params, ctx.realNow());
  }, { publishable: true });

  api.get('/v1/payment_methods/:id', ({ path, expand }) => ctx.render(materialize(ctx, path.id as string, 'id'), expand));

  api.post('/v1/payment_methods/:id', ({ path, params }) => {
    const pm = materialize(ctx, path.id as string, 'id');
    pm.metadata = mergeMetadata(pm.metadata ?? {}, params.metadata);
    const card = obj(params.card, 'card');
    if (card && pm.card) {
      pm.card.exp_month = int(card.exp_month) ?? pm.card.exp_month;
      pm.card.exp_year = int(card.exp_year) ?? pm.card.exp_year;
    }
    const b = obj(params.billing_details, 'billing_details');
    if (b) {
      for (const k of ['email', 'name', 'phone'] as const) {
        const v = str(b[k]);
        if (v !== undefined) pm.billing_details[k] = v || null;
      }
    }
    ctx.store.put(pm);
    ctx.emit('payment_method.updated', pm);
    return ctx.render(pm);
  });

  api.post('/v1/payment_methods/:id/attach', ({ path, params }) => {
    const customer = required(str(params.customer, 'customer'), 'customer');
    const c = ctx.store.get<{ deleted?: boolean }>('customer', customer);
    if (!c || c.deleted) throw ApiError.missing('customer', customer, 'customer');
    return ctx.render(attachPaymentMethod(ctx, path.id as string, customer));
  });

  api.post('/v1/payment_methods/:id/detach', ({ path }) => {
    const pm = materialize(ctx, path.id as string, 'id');
    if (!pm.customer) {
      throw ApiError.invalid(`The payment method ${pm.id} is not attached to a customer so detachment is impossible.`);
    }
    pm.customer = null;
    ctx.store.put(pm);
    ctx.emit('payment_method.detached', pm);
    return ctx.render(pm);
  });

  api.get('/v1/payment_methods', ({ params }) => {
    const customer = str(params.customer, 'customer');
    const type = str(params.type, 'type');
    const items = ctx.store
      .all<Stripe.PaymentMethod>('payment_method')
      .filter((pm) => (customer ? pm.customer === customer : true) && (!type || pm.type === type));
    return paginate(items, params, '/v1/payment_methods');
  });
}
