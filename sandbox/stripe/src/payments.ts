/**
 * Payment intents: create, retrieve, confirm (server-side or from the Stripe.js stand-in with the
 * publishable key and client secret), cancel, and 3-D Secure completion through a test helper.
 * Confirming runs the test card's behaviour and reports the outcome to the invoice, if any.
 */
import type Stripe from 'stripe';
import { Ctx } from './context';
import { createCharge, createDispute } from './charges';
import { ApiError } from './errors';
import { FormObject, bool, int, mergeMetadata, obj, required, str } from './form';
import { Api, Req } from './http';
import { clientSecret, newId } from './ids';
import { invoicePaidByPaymentIntent, invoicePaymentFailed } from './invoices';
import { attachPaymentMethod, behaviorOf, materialize, paymentMethodFromData, PaymentMethodMeta } from './payment-methods';
import { paginate } from './store';

export interface PaymentIntentMeta {
  invoice: string;
}

const DECLINE_MESSAGES: Record<string, string> = {
  generic_decline: 'Your card was declined.',
  insufficient_funds: 'Your card was declined.',
  authentication_required: 'Your card was declined. This transaction requires authentication.',
};

export function createPaymentIntent(
  ctx: Ctx,
  o: {
    amount: number;
    currency: string;
    customer: string | null;
    description: string | null;
    setupFutureUsage: Stripe.PaymentIntent.SetupFutureUsage | null;
    now: number;
    invoice?: string;
    metadata?: Record<string, string>;
  },
): Stripe.PaymentIntent {
  const id = newId('pi');
  const pi: Stripe.PaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: o.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { allow_redirects: 'always', enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: clientSecret(id),
    confirmation_method: 'automatic',
    created: o.now,
    currency: o.currency,
    customer: o.customer,
    customer_account: null,
    description: o.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: o.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: o.setupFutureUsage,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  };
  ctx.store.put(pi);
  if (o.invoice) ctx.store.meta<PaymentIntentMeta>(id).invoice = o.invoice;
  ctx.emit('payment_intent.created', pi);
  return pi;
}

function succeed(ctx: Ctx, pi: Stripe.PaymentIntent, pm: Stripe.PaymentMethod, now: number): void {
  const { card } = behaviorOf(ctx, pm.id);
  const charge = createCharge(ctx, pi, pm, now, null);
  pi.status = 'succeeded';
  pi.amount_received = pi.amount;
  pi.latest_charge = charge.id;
  pi.next_action = null;
  pi.last_payment_error = null;
  if (pi.setup_future_usage && typeof pi.customer === 'string') {
    attachPaymentMethod(ctx, pm.id, pi.customer);
    ctx.store.meta<PaymentMethodMeta>(pm.id).setup = true;
  }
  ctx.store.put(pi);
  ctx.emit('charge.succeeded', charge);
  ctx.emit('payment_intent.succeeded', pi);
  const invoice = ctx.store.meta<PaymentIntentMeta>(pi.id).invoice;
  if (invoice) invoicePaidByPaymentIntent(ctx, invoice, pi, now);
  if (card.behavior === 'dispute') createDispute(ctx, charge, { reason: 'fraudulent', now });
}

function fail(
  ctx: Ctx,
  pi: Stripe.PaymentIntent,
  pm: Stripe.PaymentMethod,
  declineCode: string,
  now: number,
  manual: boolean,
): ApiError {
  const message = DECLINE_MESSAGES[declineCode] ?? 'Your card was declined.';
  const charge = createCharge(ctx, pi, pm, now, { code: 'card_declined', declineCode, message });
  pi.status = 'requires_payment_method';
  pi.latest_charge = charge.id;
  pi.next_action = null;
  pi.last_payment_error = {
    type: 'card_error',
    code: 'card_declined',
    decline_code: declineCode,
    message,
    charge: charge.id,
    doc_url: 'https://stripe.com/docs/error-codes/card-declined',
    payment_method: ctx.render<Stripe.PaymentMethod>(pm),
  };
  ctx.store.put(pi);
  ctx.emit('charge.failed', charge);
  ctx.emit('payment_intent.payment_failed', pi);
  const invoice = ctx.store.meta<PaymentIntentMeta>(pi.id).invoice;
  if (invoice) invoicePaymentFailed(ctx, invoice, now, manual);
  return ApiError.card('card_declined', message, {
    decline_code: declineCode,
    charge: charge.id,
    payment_intent: ctx.render(pi),
    payment_method: ctx.render(pm),
  });
}

function authenticationUrl(ctx: Ctx, pi: Stripe.PaymentIntent, returnUrl?: string): string {
  const q = new URLSearchParams({ client_secret: pi.client_secret ?? '' });
  if (returnUrl) q.set('return_url', returnUrl);
  return `${ctx.config.baseUrl}/sandbox/authenticate/${pi.id}?${q}`;
}

/** Confirms with the card's test behaviour. Returns the card error (already applied) instead of throwing. */
export function confirmPaymentIntent(
  ctx: Ctx,
  pi: Stripe.PaymentIntent,
  o: { paymentMethod?: string | null; offSession: boolean; fromInvoice?: boolean; manual?: boolean; returnUrl?: string; now: number },
): { error?: ApiError } {
  if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(pi.status)) {
    throw ApiError.invalid(
      `You cannot confirm this PaymentIntent because it has a status of ${pi.status}.`,
      undefined,
      'payment_intent_unexpected_state',
    );
  }
  const pmId = o.paymentMethod ?? (typeof pi.payment_method === 'string' ? pi.payment_method : null);
  if (!pmId) {
    throw ApiError.invalid(
      "You cannot confirm this PaymentIntent because it's missing a payment method. Update the PaymentIntent with a payment method and then confirm it again.",
      undefined,
      'payment_intent_unexpected_state',
    );
  }
  const pm = materialize(ctx, pmId, 'payment_method', o.now);
  if (pm.customer && pi.customer && pm.customer !== pi.customer) {
    throw ApiError.invalid(`The provided PaymentMethod belongs to a different customer.`, 'payment_method');
  }
  pi.payment_method = pm.id;
  const { card, meta } = behaviorOf(ctx, pm.id);
  const manual = o.manual ?? !o.fromInvoice;
  let outcome: 'succeed' | 'fail' | 'auth';
  if (card.behavior === 'decline' || card.behavior === 'decline_charges') outcome = 'fail';
  else if (card.behavior === 'auth_always') outcome = 'auth';
  else if (card.behavior === 'auth_unless_setup') outcome = o.offSession && meta.setup ? 'succeed' : 'auth';
  else outcome = 'succeed';

  if (outcome === 'succeed') {
    succeed(ctx, pi, pm, o.now);
    return {};
  }
  if (outcome === 'fail') return { error: fail(ctx, pi, pm, card.declineCode ?? 'generic_decline', o.now, manual) };
  if (o.offSession && !o.fromInvoice) {
    return { error: fail(ctx, pi, pm, 'authentication_required', o.now, manual) };
  }
  pi.status = 'requires_action';
  const url = authenticationUrl(ctx, pi, o.returnUrl);
  pi.next_action = o.returnUrl
    ? { type: 'redirect_to_url', redirect_to_url: { url, return_url: o.returnUrl } }
    : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: newId('src') } };
  ctx.store.put(pi);
  ctx.emit('payment_intent.requires_action', pi);
  const invoice = ctx.store.meta<PaymentIntentMeta>(pi.id).invoice;
  if (invoice) invoicePaymentFailed(ctx, invoice, o.now, manual, true);
  return {};
}

/** Completes (or fails) 3-D Secure for a payment intent in `requires_action`. */
export function authenticatePaymentIntent(ctx: Ctx, pi: Stripe.PaymentIntent, success: boolean): void {
  if (pi.status !== 'requires_action') {
    throw ApiError.invalid(
      `This PaymentIntent is not awaiting authentication (status ${pi.status}).`,
      undefined,
      'payment_intent_unexpected_state',
    );
  }
  const now = ctx.nowForCustomer(typeof pi.customer === 'string' ? pi.customer : null);
  const pm = materialize(ctx, pi.payment_method as string);
  if (success) {
    ctx.store.meta<PaymentMethodMeta>(pm.id).setup = ctx.store.meta<PaymentMethodMeta>(pm.id).setup || !!pi.setup_future_usage;
    succeed(ctx, pi, pm, now);
    return;
  }
  pi.status = 'requires_payment_method';
  pi.next_action = null;
  pi.last_payment_error = {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    message:
      'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
    payment_method: ctx.render<Stripe.PaymentMethod>(pm),
  };
  ctx.store.put(pi);
  ctx.emit('payment_intent.payment_failed', pi);
  const invoice = ctx.store.meta<PaymentIntentMeta>(pi.id).invoice;
  if (invoice) invoicePaymentFailed(ctx, invoice, now, true);
}

/** The payment intent of a request; with a publishable key the client secret must match. */
function intentFor(ctx: Ctx, req: Req): Stripe.PaymentIntent {
  const pi = ctx.store.must<Stripe.PaymentIntent>('payment_intent', req.path.id as string, 'payment_intent', 'intent');
  if (req.auth === 'publishable' && str(req.params.client_secret, 'client_secret') !== pi.client_secret) {
    throw ApiError.missing('payment_intent', pi.id, 'intent');
  }
  return pi;
}

function pmParam(ctx: Ctx, p: FormObject, now: number): string | undefined {
  const data = obj(p.payment_method_data, 'payment_method_data');
  if (data) return paymentMethodFromData(ctx, data, now).id;
  return str(p.payment_method, 'payment_method');
}

export function registerPayments(api: Api, ctx: Ctx): void {
  api.post('/v1/payment_intents', ({ params, expand }) => {
    const customer = str(params.customer, 'customer') ?? null;
    const now = ctx.nowForCustomer(customer);
    const pi = createPaymentIntent(ctx, {
      amount: required(int(params.amount, 'amount'), 'amount'),
      currency: required(str(params.currency, 'currency'), 'currency').toLowerCase(),
      customer,
      description: str(params.description, 'description') ?? null,
      setupFutureUsage: (str(params.setup_future_usage) as Stripe.PaymentIntent.SetupFutureUsage | undefined) ?? null,
      now,
      metadata: mergeMetadata({}, params.metadata),
    });
    const pm = pmParam(ctx, params, now);
    if (pm) pi.payment_method = materialize(ctx, pm, 'payment_method', now).id;
    if (bool(params.confirm, 'confirm')) {
      const { error } = confirmPaymentIntent(ctx, pi, {
        offSession: bool(params.off_session) ?? false,
        returnUrl: str(params.return_url),
        now,
      });
      if (error) throw error;
    } else if (pi.payment_method) {
      pi.status = 'requires_confirmation';
    }
    ctx.store.put(pi);
    return ctx.render(pi, expand);
  });

  api.get('/v1/payment_intents/:id', (req) => ctx.render(intentFor(ctx, req), req.expand), { publishable: true });

  api.post('/v1/payment_intents/:id', ({ path, params, expand }) => {
    const pi = ctx.store.must<Stripe.PaymentIntent>('payment_intent', path.id as string, 'payment_intent', 'intent');
    pi.metadata = mergeMetadata(pi.metadata, params.metadata);
    const pm = pmParam(ctx, params, ctx.realNow());
    if (pm) pi.payment_method = materialize(ctx, pm).id;
    const desc = str(params.description, 'description');
    if (desc !== undefined) pi.description = desc || null;
    ctx.store.put(pi);
    return ctx.render(pi, expand);
  });

  api.post(
    '/v1/payment_intents/:id/confirm',
    (req) => {
      const pi = intentFor(ctx, req);
      const now = ctx.nowForCustomer(typeof pi.customer === 'string' ? pi.customer : null);
      const sfu = str(req.params.setup_future_usage);
      if (sfu) pi.setup_future_usage = sfu as Stripe.PaymentIntent.SetupFutureUsage;
      const { error } = confirmPaymentIntent(ctx, pi, {
        paymentMethod: pmParam(ctx, req.params, now),
        offSession: bool(req.params.off_session) ?? false,
        returnUrl: str(req.params.return_url),
        now,
      });
      if (error) throw error;
      return ctx.render(pi, req.expand);
    },
    { publishable: true },
  );

  api.post('/v1/payment_intents/:id/cancel', ({ path, params, expand }) => {
    const pi = ctx.store.must<Stripe.PaymentIntent>('payment_intent', path.id as string, 'payment_intent', 'intent');
    if (pi.status === 'succeeded' || pi.status === 'canceled') {
      throw ApiError.invalid(
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`,
        undefined,
        'payment_intent_unexpected_state',
      );
    }
    pi.status = 'canceled';
    pi.canceled_at = ctx.realNow();
    pi.cancellation_reason = (str(params.cancellation_reason) as Stripe.PaymentIntent.CancellationReason | undefined) ?? null;
    pi.next_action = null;
    ctx.store.put(pi);
    ctx.emit('payment_intent.canceled', pi);
    return ctx.render(pi, expand);
  });

  api.get('/v1/payment_intents', ({ params, expand }) => {
    const customer = str(params.customer, 'customer');
    const items = ctx.store.all<Stripe.PaymentIntent>('payment_intent').filter((p) => !customer || p.customer === customer);
    return ctx.renderList(paginate(items, params, '/v1/payment_intents'), expand);
  });

  /** Sandbox test helper: complete or fail 3-D Secure (`outcome=succeed|fail`). */
  api.post(
    '/v1/test_helpers/payment_intents/:id/authenticate',
    (req) => {
      const pi = intentFor(ctx, req);
      const outcome = str(req.params.outcome, 'outcome') ?? 'succeed';
      if (outcome !== 'succeed' && outcome !== 'fail') throw ApiError.invalid('outcome must be succeed or fail', 'outcome');
      authenticatePaymentIntent(ctx, pi, outcome === 'succeed');
      return ctx.render(pi, req.expand);
    },
    { publishable: true },
  );
}
