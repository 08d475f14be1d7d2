/**
 * Invoices: building them from lines and discounts, finalizing (with a payment intent and an
 * invoice_payment), collecting, and what a payment's outcome does to the invoice. Endpoints:
 * retrieve, list, lines, finalize, pay, void, mark_uncollectible; invoice_payments.
 */
import type Stripe from 'stripe';
import { Ctx } from './context';
import { getCustomer } from './customers';
import { ApiError } from './errors';
import { bool, str } from './form';
import { Api } from './http';
import { newId } from './ids';
import { confirmPaymentIntent, createPaymentIntent } from './payments';
import { matchesCreated, paginate } from './store';
import { onSubscriptionInvoiceFailed, onSubscriptionInvoicePaid, SubscriptionObj } from './subscriptions';

export type InvoiceObj = Stripe.Invoice & { subscription: string | null };
export { buildInvoice, LineSpec } from './invoice-build';

export interface InvoiceMeta {
  paymentIntent: string;
  invoicePayment: string;
  firstFailureAt: number;
  saveDefaultPm: boolean;
}

export function getInvoice(ctx: Ctx, id: string, param = 'invoice'): InvoiceObj {
  return ctx.store.must<InvoiceObj>('invoice', id, 'invoice', param);
}

function subscriptionOf(ctx: Ctx, inv: InvoiceObj): SubscriptionObj | undefined {
  return inv.subscription ? ctx.store.get<SubscriptionObj>('subscription', inv.subscription) : undefined;
}

function markPaid(ctx: Ctx, inv: InvoiceObj, now: number): void {
  inv.status = 'paid';
  inv.amount_paid = inv.amount_due;
  inv.amount_remaining = 0;
  inv.next_payment_attempt = null;
  inv.status_transitions.paid_at = now;
  ctx.store.put(inv);
  ctx.emit('invoice.payment_succeeded', inv);
  ctx.emit('invoice.paid', inv);
}

/** draft → open: number, customer balance, and a payment intent unless nothing is due (then paid). */
export function finalizeInvoice(ctx: Ctx, inv: InvoiceObj, now: number): void {
  if (inv.status !== 'draft') throw ApiError.invalid(`This invoice is already finalized.`, undefined, 'invoice_not_editable');
  const customer = getCustomer(ctx, inv.customer as string);
  const applied = inv.total + inv.starting_balance;
  inv.ending_balance = applied < 0 ? applied : 0;
  if (customer.balance !== inv.ending_balance) {
    customer.balance = inv.ending_balance;
    ctx.store.put(customer);
  }
  inv.status = 'open';
  inv.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence ?? 1).padStart(4, '0')}`;
  customer.next_invoice_sequence = (customer.next_invoice_sequence ?? 1) + 1;
  inv.status_transitions.finalized_at = now;
  inv.effective_at = now;
  inv.hosted_invoice_url = `${ctx.config.baseUrl}/invoices/${inv.id}`;
  ctx.store.put(inv);
  const meta = ctx.store.meta<InvoiceMeta>(inv.id);
  if (inv.amount_due > 0) {
    const pi = createPaymentIntent(ctx, {
      amount: inv.amount_due,
      currency: inv.currency,
      customer: customer.id,
      description: inv.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
      setupFutureUsage: meta.saveDefaultPm ? 'off_session' : null,
      now,
      invoice: inv.id,
    });
    const ip: Stripe.InvoicePayment = {
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: inv.amount_due,
      created: now,
      currency: inv.currency,
      invoice: inv.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: pi.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    };
    ctx.store.put(ip);
    meta.paymentIntent = pi.id;
    meta.invoicePayment = ip.id;
    ctx.emit('invoice.finalized', inv);
  } else {
    ctx.emit('invoice.finalized', inv);
    markPaid(ctx, inv, now);
    const sub = subscriptionOf(ctx, inv);
    if (sub) onSubscriptionInvoicePaid(ctx, sub, inv, null, now);
  }
}

/** The payment method an automatic collection uses: the subscription's, else the customer's default. */
export function collectionPaymentMethod(ctx: Ctx, inv: InvoiceObj): string | null {
  const sub = subscriptionOf(ctx, inv);
  const fromSub = sub?.default_payment_method;
  if (typeof fromSub === 'string') return fromSub;
  const c = getCustomer(ctx, inv.customer as string);
  const d = c.invoice_settings.default_payment_method;
  return typeof d === 'string' ? d : null;
}

/**
 * One collection attempt. Automatic ones (renewals, retries) never throw; manual ones
 * (`POST /v1/invoices/:id/pay`) throw the card error as Stripe answers it.
 */
export function attemptInvoicePayment(
  ctx: Ctx,
  inv: InvoiceObj,
  o: { now: number; paymentMethod?: string | null; manual: boolean },
): void {
  const meta = ctx.store.meta<InvoiceMeta>(inv.id);
  const piId = meta.paymentIntent;
  if (inv.status !== 'open' || !piId) return;
  const pm = o.paymentMethod ?? collectionPaymentMethod(ctx, inv);
  inv.attempted = true;
  if (!o.manual || inv.attempt_count === 0) inv.attempt_count += 1;
  ctx.store.put(inv);
  if (!pm) {
    invoicePaymentFailed(ctx, inv.id, o.now, o.manual);
    if (o.manual) {
      throw ApiError.invalid('This customer has no attached payment source or default payment method.', undefined, 'invoice_no_customer_line_items');
    }
    return;
  }
  const pi = ctx.store.must<Stripe.PaymentIntent>('payment_intent', piId);
  const { error } = confirmPaymentIntent(ctx, pi, { paymentMethod: pm, offSession: true, fromInvoice: true, now: o.now });
  if (o.manual && pi.status === 'requires_action') {
    throw ApiError.card(
      'invoice_payment_intent_requires_action',
      'This payment requires additional user action before it can be completed successfully. Payment can be completed using the PaymentIntent associated with the invoice.',
      { payment_intent: ctx.render(pi) },
    );
  }
  if (o.manual && error) throw error;
}

// ---- hooks from payment intents -----------------------------------------------------------

export function invoicePaidByPaymentIntent(ctx: Ctx, invoiceId: string, pi: Stripe.PaymentIntent, now: number): void {
  const inv = getInvoice(ctx, invoiceId);
  if (inv.status !== 'open') return;
  if (inv.attempt_count === 0) inv.attempt_count = 1;
  inv.attempted = true;
  markPaid(ctx, inv, now);
  const meta = ctx.store.meta<InvoiceMeta>(inv.id);
  const ip = meta.invoicePayment ? ctx.store.get<Stripe.InvoicePayment>('invoice_payment', meta.invoicePayment) : undefined;
  if (ip) {
    ip.status = 'paid';
    ip.amount_paid = pi.amount_received;
    ip.status_transitions.paid_at = now;
    ctx.store.put(ip);
    ctx.emit('invoice_payment.paid', ip);
  }
  const sub = subscriptionOf(ctx, inv);
  if (sub) onSubscriptionInvoicePaid(ctx, sub, inv, pi, now);
}

export function invoicePaymentFailed(ctx: Ctx, invoiceId: string, now: number, manual: boolean, actionRequired = false): void {
  const inv = getInvoice(ctx, invoiceId);
  if (inv.status !== 'open') return;
  const meta = ctx.store.meta<InvoiceMeta>(inv.id);
  const automatic = inv.billing_reason !== 'subscription_create' && !!inv.subscription;
  let final = false;
  if (automatic && !manual) {
    meta.firstFailureAt ??= now;
    const days = ctx.config.billing.retryDays[inv.attempt_count - 1];
    inv.next_payment_attempt = days === undefined ? null : meta.firstFailureAt + days * 86400;
    final = days === undefined;
  }
  if (inv.attempt_count === 0) inv.attempt_count = 1;
  inv.attempted = true;
  ctx.store.put(inv);
  ctx.emit(actionRequired ? 'invoice.payment_action_required' : 'invoice.payment_failed', inv);
  const sub = subscriptionOf(ctx, inv);
  if (sub) onSubscriptionInvoiceFailed(ctx, sub, inv, now, final);
}

export function voidInvoice(ctx: Ctx, inv: InvoiceObj, now: number): void {
  if (inv.status === 'paid' || inv.status === 'void') {
    throw ApiError.invalid(`You can only void open or draft invoices.`, undefined, 'invoice_not_editable');
  }
  inv.status = 'void';
  inv.status_transitions.voided_at = now;
  inv.next_payment_attempt = null;
  inv.amount_remaining = 0;
  ctx.store.put(inv);
  const meta = ctx.store.meta<InvoiceMeta>(inv.id);
  const pi = meta.paymentIntent ? ctx.store.get<Stripe.PaymentIntent>('payment_intent', meta.paymentIntent) : undefined;
  if (pi && pi.status !== 'succeeded' && pi.status !== 'canceled') {
    pi.status = 'canceled';
    pi.canceled_at = now;
    pi.cancellation_reason = 'void_invoice';
    pi.next_action = null;
    ctx.store.put(pi);
    ctx.emit('payment_intent.canceled', pi);
  }
  ctx.emit('invoice.voided', inv);
}

export function registerInvoices(api: Api, ctx: Ctx): void {
  ctx.registerIncludable('invoice', 'confirmation_secret', (inv) => {
    const m = ctx.store.meta<InvoiceMeta>(inv.id);
    const pi = m.paymentIntent ? ctx.store.get<Stripe.PaymentIntent>('payment_intent', m.paymentIntent) : undefined;
    return pi && inv.status === 'open' ? { client_secret: pi.client_secret, type: 'payment_intent' } : null;
  });
  ctx.registerIncludable('invoice', 'payments', (inv) => {
    const items = ctx.store.all<Stripe.InvoicePayment>('invoice_payment').filter((p) => p.invoice === inv.id);
    return { object: 'list', data: items.map((p) => ctx.render(p)), has_more: false, url: `/v1/invoice_payments?invoice=${inv.id}` };
  });

  api.get('/v1/invoices/:id', ({ path, expand }) => ctx.render(getInvoice(ctx, path.id as string, 'id'), expand));
  api.get('/v1/invoices/:id/lines', ({ path, params }) => {
    const inv = getInvoice(ctx, path.id as string, 'id');
    return paginate(inv.lines.data, params, `/v1/invoices/${inv.id}/lines`);
  });
  api.get('/v1/invoices', ({ params, expand }) => {
    const customer = str(params.customer, 'customer');
    const subscription = str(params.subscription, 'subscription');
    const status = str(params.status, 'status');
    const items = ctx.store
      .all<InvoiceObj>('invoice')
      .filter(
        (i) =>
          (!customer || i.customer === customer) &&
          (!subscription || i.subscription === subscription) &&
          (!status || i.status === status) &&
          matchesCreated(i.created, params.created),
      );
    return ctx.renderList(paginate(items, params, '/v1/invoices'), expand);
  });
  api.post('/v1/invoices/:id/finalize', ({ path, expand }) => {
    const inv = getInvoice(ctx, path.id as string, 'id');
    finalizeInvoice(ctx, inv, ctx.nowForCustomer(inv.customer as string));
    return ctx.render(inv, expand);
  });
  api.post('/v1/invoices/:id/pay', ({ path, params, expand }) => {
    const inv = getInvoice(ctx, path.id as string, 'id');
    const now = ctx.nowForCustomer(inv.customer as string);
    if (inv.status === 'draft') finalizeInvoice(ctx, inv, now);
    if (inv.status === 'paid') throw ApiError.invalid('Invoice is already paid', undefined, 'invoice_already_paid');
    if (inv.status !== 'open') throw ApiError.invalid(`You cannot pay an invoice whose status is ${inv.status}.`, undefined, 'invoice_not_editable');
    if (bool(params.paid_out_of_band, 'paid_out_of_band')) {
      markPaid(ctx, inv, now);
      const sub = subscriptionOf(ctx, inv);
      if (sub) onSubscriptionInvoicePaid(ctx, sub, inv, null, now);
    } else {
      attemptInvoicePayment(ctx, inv, { now, paymentMethod: str(params.payment_method, 'payment_method'), manual: true });
    }
    return ctx.render(getInvoice(ctx, inv.id), expand);
  });
  api.post('/v1/invoices/:id/void', ({ path, expand }) => {
    const inv = getInvoice(ctx, path.id as string, 'id');
    voidInvoice(ctx, inv, ctx.nowForCustomer(inv.customer as string));
    return ctx.render(inv, expand);
  });
  api.post('/v1/invoices/:id/mark_uncollectible', ({ path, expand }) => {
    const inv = getInvoice(ctx, path.id as string, 'id');
    if (inv.status !== 'open') throw ApiError.invalid('You can only mark open invoices as uncollectible.', undefined, 'invoice_not_editable');
    inv.status = 'uncollectible';
    inv.next_payment_attempt = null;
    inv.status_transitions.marked_uncollectible_at = ctx.nowForCustomer(inv.customer as string);
    ctx.store.put(inv);
    ctx.emit('invoice.marked_uncollectible', inv);
    return ctx.render(inv, expand);
  });

  api.get('/v1/invoice_payments/:id', ({ path, expand }) =>
    ctx.render(ctx.store.must('invoice_payment', path.id as string, 'invoice payment'), expand),
  );
  api.get('/v1/invoice_payments', ({ params, expand }) => {
    const invoice = str(params.invoice, 'invoice');
    const payment = params.payment && typeof params.payment === 'object' && !Array.isArray(params.payment) ? params.payment : {};
    const piFilter = str(payment.payment_intent, 'payment[payment_intent]');
    const items = ctx.store
      .all<Stripe.InvoicePayment>('invoice_payment')
      .filter((p) => (!invoice || p.invoice === invoice) && (!piFilter || p.payment.payment_intent === piFilter));
    return ctx.renderList(paginate(items, params, '/v1/invoice_payments'), expand);
  });
}
