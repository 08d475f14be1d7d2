/**
 * Subscriptions: create (incl. `payment_behavior=default_incomplete`), retrieve, update (items with
 * `proration_behavior`, `cancel_at_period_end`, `pause_collection`, `discounts`, default payment
 * method), cancel, resume, list, search; subscription items (read-only).
 */
import type Stripe from 'stripe';
import {
  addInterval,
  createInvoiceItems,
  issueInvoice,
  itemLines,
  periodOf,
  prorationLines,
} from './billing-cycle';
import { Ctx } from './context';
import { discountsFromParam } from './coupons';
import { getCustomer } from './customers';
import { ApiError } from './errors';
import { FormObject, arr, bool, int, mergeMetadata, obj, required, str } from './form';
import { Api } from './http';
import { newId } from './ids';
import { InvoiceMeta, InvoiceObj, attemptInvoicePayment, buildInvoice, finalizeInvoice, voidInvoice } from './invoices';
import { resolvePaymentMethodForCustomer } from './payment-methods';
import { changesInterval, newItem, planItems } from './subscription-items';
import { getPrice, planOf } from './products-prices';
import { search } from './search';
import { clone, matchesCreated, paginate } from './store';

export type SubscriptionObj = Stripe.Subscription;

export interface SubMeta {
  saveDefaultPm: boolean;
  trialWillEndSent: boolean;
}

export function getSubscription(ctx: Ctx, id: string, param = 'id'): SubscriptionObj {
  return ctx.store.must<SubscriptionObj>('subscription', id, 'subscription', param);
}

/** Emits `customer.subscription.updated` (or another type) with the changed top-level keys. */
export function emitSubscriptionUpdate(ctx: Ctx, before: SubscriptionObj, sub: SubscriptionObj, type = 'customer.subscription.updated'): void {
  const after = ctx.render<SubscriptionObj>(sub);
  const prev: Record<string, unknown> = {};
  for (const k of Object.keys(after) as (keyof SubscriptionObj)[]) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) prev[k] = before[k] ?? null;
  }
  if (type === 'customer.subscription.updated' && Object.keys(prev).length === 0) return;
  ctx.emit(type, sub, type === 'customer.subscription.updated' ? prev : undefined);
}

export function cancelNow(ctx: Ctx, sub: SubscriptionObj, at: number, reason: Stripe.Subscription.CancellationDetails.Reason): void {
  const before = ctx.render<SubscriptionObj>(sub);
  sub.status = 'canceled';
  sub.canceled_at ??= at;
  sub.ended_at = at;
  sub.cancel_at ??= at;
  sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, ...sub.cancellation_details, reason };
  ctx.store.put(sub);
  for (const inv of ctx.store.all<InvoiceObj>('invoice')) {
    if (inv.subscription === sub.id && inv.status === 'draft') voidInvoice(ctx, inv, at);
    if (inv.subscription === sub.id && inv.status === 'open' && before.status === 'incomplete') voidInvoice(ctx, inv, at);
    if (inv.subscription === sub.id && inv.status === 'open' && inv.next_payment_attempt !== null) {
      inv.next_payment_attempt = null;
      ctx.store.put(inv);
    }
  }
  emitSubscriptionUpdate(ctx, before, sub, 'customer.subscription.deleted');
}

// ---- hooks from invoices ------------------------------------------------------------------

export function onSubscriptionInvoicePaid(ctx: Ctx, sub: SubscriptionObj, inv: InvoiceObj, pi: Stripe.PaymentIntent | null, now: number): void {
  const before = ctx.render<SubscriptionObj>(sub);
  if (pi && ctx.store.meta<InvoiceMeta>(inv.id).saveDefaultPm && typeof pi.payment_method === 'string') {
    sub.default_payment_method = pi.payment_method;
  }
  if (sub.status === 'incomplete') {
    sub.status = sub.trial_end && sub.trial_end > now ? 'trialing' : 'active';
  } else if (sub.status === 'past_due' || sub.status === 'unpaid') {
    const stillOpen = ctx.store
      .all<InvoiceObj>('invoice')
      .some((i) => i.subscription === sub.id && i.status === 'open' && i.id !== inv.id);
    if (!stillOpen) sub.status = 'active';
  }
  ctx.store.put(sub);
  emitSubscriptionUpdate(ctx, before, sub);
}

export function onSubscriptionInvoiceFailed(ctx: Ctx, sub: SubscriptionObj, inv: InvoiceObj, now: number, final: boolean): void {
  if (inv.billing_reason === 'subscription_create') return; // stays incomplete until paid or expired
  const before = ctx.render<SubscriptionObj>(sub);
  if (final && ctx.config.billing.afterFinalFailure === 'cancel' && sub.status !== 'canceled') {
    cancelNow(ctx, sub, now, 'payment_failed');
    return;
  }
  if (sub.status === 'active' || sub.status === 'trialing') sub.status = 'past_due';
  if (final && sub.status === 'past_due') sub.status = 'unpaid';
  ctx.store.put(sub);
  emitSubscriptionUpdate(ctx, before, sub);
}

// ---- create -------------------------------------------------------------------------------

export function createSubscription(ctx: Ctx, p: FormObject): SubscriptionObj {
  const customerId = required(str(p.customer, 'customer'), 'customer');
  const customer = getCustomer(ctx, customerId);
  const now = ctx.nowForCustomer(customerId);
  const raw = arr(p.items, 'items') ?? [];
  if (raw.length === 0) throw ApiError.invalid('Missing required param: items.', 'items', 'parameter_missing');
  const items = raw.map((r, i) => {
    const it = obj(r, `items[${i}]`) ?? {};
    const price = getPrice(ctx, required(str(it.price, `items[${i}][price]`), `items[${i}][price]`), `items[${i}][price]`);
    if (!price.recurring) throw ApiError.invalid(`The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`, `items[${i}][price]`);
    return { price, quantity: int(it.quantity, `items[${i}][quantity]`) ?? 1, metadata: it.metadata };
  });
  const first = items[0]!.price;
  const interval = first.recurring!.interval;
  const count = first.recurring!.interval_count;
  const trialEndParam = str(p.trial_end, 'trial_end');
  const trialDays = int(p.trial_period_days, 'trial_period_days') ?? (bool(p.trial_from_plan) ? (first.recurring?.trial_period_days ?? undefined) : undefined);
  const trialEnd = trialEndParam && trialEndParam !== 'now' ? Number(trialEndParam) : trialDays ? now + trialDays * 86400 : null;
  const periodEnd = trialEnd ?? addInterval(now, interval, count);
  const id = newId('sub');
  const behavior = str(p.payment_behavior, 'payment_behavior') ?? 'allow_incomplete';
  const ps = obj(p.payment_settings, 'payment_settings') ?? {};
  const saveDefault = str(ps.save_default_payment_method) === 'on_subscription';
  const dpm = str(p.default_payment_method, 'default_payment_method');
  const sub: SubscriptionObj = {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: periodEnd === trialEnd ? periodEnd : now,
    billing_cycle_anchor_config: null,
    billing_mode: { type: 'flexible', flexible: { proration_discounts: 'included' }, updated_at: now },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: now,
    currency: first.currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: dpm ? resolvePaymentMethodForCustomer(ctx, customer.id, dpm, 'default_payment_method').id : null,
    default_source: null,
    default_tax_rates: [],
    description: str(p.description, 'description') ?? null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: {
      object: 'list',
      data: items.map((i) => newItem(ctx, id, i.price, i.quantity, now, periodEnd, i.metadata)),
      has_more: false,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: mergeMetadata({}, p.metadata),
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: saveDefault ? 'on_subscription' : 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd ? 'trialing' : 'incomplete',
    test_clock: customer.test_clock,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: trialEnd ? now : null,
  };
  const tsEnd = obj(obj(p.trial_settings)?.end_behavior);
  const missing = str(tsEnd?.missing_payment_method);
  if (missing) sub.trial_settings = { end_behavior: { billing_cycle_anchor: null, missing_payment_method: missing as 'cancel' | 'create_invoice' | 'pause' } };
  sub.discounts = discountsFromParam(ctx, p.discounts, { customer: customer.id, subscription: id, now }, []) ?? [];
  const meta = ctx.store.meta<SubMeta>(id);
  meta.saveDefaultPm = saveDefault;
  applyCancellationParams(sub, p, now);

  const lines = trialEnd
    ? items.map((i) => ({
        amount: 0,
        description: `Trial period for ${i.price.nickname ?? i.price.id}`,
        price: i.price,
        quantity: i.quantity,
        period: { start: now, end: trialEnd },
        proration: false,
      }))
    : itemLines(ctx, sub, now, periodEnd);
  const inv = buildInvoice(ctx, { customer: customer.id, subscription: sub, billingReason: 'subscription_create', lines, now, periodStart: now, periodEnd: now, discounts: sub.discounts as string[] });
  if (inv.amount_due === 0 && !trialEnd) sub.status = 'active';
  sub.latest_invoice = inv.id;
  ctx.store.put(sub);
  ctx.emit('customer.subscription.created', sub);
  ctx.store.put(inv);
  ctx.store.meta<InvoiceMeta>(inv.id).saveDefaultPm = saveDefault;
  ctx.emit('invoice.created', inv);
  finalizeInvoice(ctx, inv, now);
  if (inv.status === 'open' && behavior !== 'default_incomplete') {
    attemptInvoicePayment(ctx, inv, { now, manual: false });
    if (behavior === 'error_if_incomplete' && sub.status === 'incomplete') {
      throw ApiError.card('card_declined', 'The subscription could not be created because the first payment failed.', {
        payment_intent: ctx.resolve(ctx.store.meta<InvoiceMeta>(inv.id).paymentIntent ?? ''),
      });
    }
  }
  return sub;
}

function applyCancellationParams(sub: SubscriptionObj, p: FormObject, now: number): void {
  const details = obj(p.cancellation_details, 'cancellation_details');
  if (details) {
    const comment = str(details.comment);
    const feedback = str(details.feedback);
    sub.cancellation_details = {
      comment: comment === undefined ? (sub.cancellation_details?.comment ?? null) : comment || null,
      feedback: feedback === undefined ? (sub.cancellation_details?.feedback ?? null) : ((feedback || null) as Stripe.Subscription.CancellationDetails.Feedback | null),
      feedback_option: null,
      reason: sub.cancellation_details?.reason ?? null,
    };
  }
  const atEnd = bool(p.cancel_at_period_end, 'cancel_at_period_end');
  const cancelAt = p.cancel_at === '' ? null : int(p.cancel_at, 'cancel_at');
  if (atEnd === true) {
    sub.cancel_at_period_end = true;
    sub.cancel_at = periodOf(sub).end;
    sub.canceled_at = now;
    sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, ...sub.cancellation_details, reason: 'cancellation_requested' };
  } else if (atEnd === false || cancelAt === null) {
    sub.cancel_at_period_end = false;
    sub.cancel_at = null;
    sub.canceled_at = null;
    sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: null };
  }
  if (typeof cancelAt === 'number') {
    sub.cancel_at = cancelAt;
    sub.canceled_at = now;
    sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, ...sub.cancellation_details, reason: 'cancellation_requested' };
  }
}

// ---- update -------------------------------------------------------------------------------

function updateSubscription(ctx: Ctx, sub: SubscriptionObj, p: FormObject): void {
  const now = ctx.nowForCustomer(sub.customer as string);
  if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
    const allowed = Object.keys(p).every((k) => ['metadata', 'cancellation_details', 'expand'].includes(k));
    if (!allowed) throw ApiError.invalid('A canceled subscription can only update its cancellation_details and metadata.');
  }
  const before = clone(ctx.render<SubscriptionObj>(sub));
  sub.metadata = mergeMetadata(sub.metadata, p.metadata);
  const desc = str(p.description, 'description');
  if (desc !== undefined) sub.description = desc || null;
  const dpm = str(p.default_payment_method, 'default_payment_method');
  if (dpm !== undefined) {
    sub.default_payment_method = dpm ? resolvePaymentMethodForCustomer(ctx, sub.customer as string, dpm, 'default_payment_method').id : null;
  }
  const ps = obj(p.payment_settings, 'payment_settings');
  if (ps?.save_default_payment_method !== undefined) {
    const on = str(ps.save_default_payment_method) === 'on_subscription';
    ctx.store.meta<SubMeta>(sub.id).saveDefaultPm = on;
    if (sub.payment_settings) sub.payment_settings.save_default_payment_method = on ? 'on_subscription' : 'off';
  }
  applyCancellationParams(sub, p, now);
  if (p.pause_collection !== undefined) {
    const pc = obj(p.pause_collection, 'pause_collection');
    sub.pause_collection = pc
      ? {
          behavior: required(str(pc.behavior), 'pause_collection[behavior]') as Stripe.Subscription.PauseCollection.Behavior,
          resumes_at: int(pc.resumes_at) ?? null,
        }
      : null;
  }
  const discounts = discountsFromParam(ctx, p.discounts, { customer: sub.customer as string, subscription: sub.id, now }, sub.discounts as string[]);
  if (discounts) sub.discounts = discounts;
  const trialEnd = str(p.trial_end, 'trial_end');
  if (trialEnd === 'now' && sub.status === 'trialing') {
    for (const item of sub.items.data) item.current_period_end = now;
    sub.trial_end = now;
  }

  if (p.items === undefined) {
    ctx.store.put(sub);
    emitSubscriptionUpdate(ctx, before, sub);
    return;
  }
  const plan = planItems(ctx, sub, p.items);
  const behavior = str(p.proration_behavior, 'proration_behavior') ?? 'create_prorations';
  const at = int(p.proration_date, 'proration_date') ?? now;
  const reset = changesInterval(sub, plan);
  const prorate = behavior !== 'none' && ['active', 'past_due'].includes(sub.status);
  const prorations = prorate ? prorationLines(ctx, plan.changes, at, reset) : [];
  const period = periodOf(sub);
  const start = reset ? now : period.start;
  const end = reset ? addInterval(now, plan.next[0]!.price.recurring!.interval, plan.next[0]!.price.recurring!.interval_count) : period.end;
  sub.items.data = plan.next.map((n) => {
    const existing = sub.items.data.find((i) => i.id === n.id);
    if (!existing) return newItem(ctx, sub.id, n.price, n.quantity, start, end, n.metadata);
    existing.price = n.price;
    existing.plan = planOf(n.price);
    existing.quantity = n.quantity;
    existing.metadata = mergeMetadata(existing.metadata, n.metadata);
    existing.current_period_start = start;
    existing.current_period_end = end;
    return existing;
  });
  if (reset) sub.billing_cycle_anchor = now;
  if (sub.cancel_at_period_end) sub.cancel_at = end;
  ctx.store.put(sub);
  emitSubscriptionUpdate(ctx, before, sub);
  if (reset && sub.status !== 'trialing') {
    issueInvoice(ctx, sub, { billingReason: 'subscription_update', lines: [...prorations, ...itemLines(ctx, sub, start, end)], now, periodStart: start, periodEnd: start });
  } else if (prorations.length && behavior === 'always_invoice') {
    issueInvoice(ctx, sub, { billingReason: 'subscription_update', lines: prorations, now, periodStart: at, periodEnd: at });
  } else if (prorations.length) {
    createInvoiceItems(ctx, sub, prorations, now);
  }
}

function listFilter(params: FormObject): (s: SubscriptionObj) => boolean {
  const customer = str(params.customer, 'customer');
  const price = str(params.price, 'price');
  const status = str(params.status, 'status');
  const clock = str(params.test_clock, 'test_clock');
  return (s) =>
    (!customer || s.customer === customer) &&
    (!price || s.items.data.some((i) => i.price.id === price)) &&
    (!clock || s.test_clock === clock) &&
    (status === 'all' ||
      (status === 'ended' ? ['canceled', 'incomplete_expired'].includes(s.status) : status ? s.status === status : s.status !== 'canceled')) &&
    matchesCreated(s.created, params.created);
}

export function registerSubscriptions(api: Api, ctx: Ctx): void {
  ctx.registerRenderer('subscription', (s) => {
    for (const item of s.items.data as Stripe.SubscriptionItem[]) {
      const price = ctx.store.get<Stripe.Price>('price', item.price.id);
      if (price) {
        item.price = clone(price);
        item.plan = planOf(price);
      }
    }
    return s;
  });

  api.post('/v1/subscriptions', ({ params, expand }) => ctx.render(createSubscription(ctx, params), expand));
  api.get('/v1/subscriptions/search', ({ params, expand }) =>
    ctx.renderList(search(ctx.store.all('subscription'), params, '/v1/subscriptions/search'), expand),
  );
  api.get('/v1/subscriptions/:id', ({ path, expand }) => ctx.render(getSubscription(ctx, path.id as string), expand));
  api.post('/v1/subscriptions/:id', ({ path, params, expand }) => {
    const sub = getSubscription(ctx, path.id as string);
    updateSubscription(ctx, sub, params);
    return ctx.render(getSubscription(ctx, sub.id), expand);
  });
  api.del('/v1/subscriptions/:id', ({ path, params, expand }) => {
    const sub = getSubscription(ctx, path.id as string);
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
      throw ApiError.invalid(`No such subscription: '${sub.id}'`, 'id', 'resource_missing');
    }
    const now = ctx.nowForCustomer(sub.customer as string);
    applyCancellationParams(sub, { cancellation_details: params.cancellation_details }, now);
    sub.canceled_at = now;
    cancelNow(ctx, sub, now, 'cancellation_requested');
    return ctx.render(sub, expand);
  });
  api.post('/v1/subscriptions/:id/resume', ({ path, expand }) => {
    const sub = getSubscription(ctx, path.id as string);
    if (sub.status !== 'paused') throw ApiError.invalid('Only paused subscriptions can be resumed.', undefined, 'subscription_not_paused');
    const before = ctx.render<SubscriptionObj>(sub);
    const now = ctx.nowForCustomer(sub.customer as string);
    for (const item of sub.items.data) {
      item.current_period_start = now;
      item.current_period_end = addInterval(now, item.price.recurring?.interval ?? 'month', item.price.recurring?.interval_count ?? 1);
    }
    sub.status = 'active';
    sub.billing_cycle_anchor = now;
    ctx.store.put(sub);
    emitSubscriptionUpdate(ctx, before, sub);
    ctx.emit('customer.subscription.resumed', sub);
    const p = periodOf(sub);
    issueInvoice(ctx, sub, { billingReason: 'subscription_cycle', lines: itemLines(ctx, sub, p.start, p.end), now, periodStart: p.start, periodEnd: p.end });
    return ctx.render(sub, expand);
  });
  api.get('/v1/subscriptions', ({ params, expand }) => {
    const items = ctx.store.all<SubscriptionObj>('subscription').filter(listFilter(params));
    return ctx.renderList(paginate(items, params, '/v1/subscriptions'), expand);
  });

}
