/**
 * The billing cycle: invoice lines for items and prorations, issuing invoices (honouring
 * `pause_collection`), renewals, and the engine that runs everything due up to a time — on test
 * clock advances, or in real time for customers without a clock.
 */
import type Stripe from 'stripe';
import { Ctx } from './context';
import { couponOf } from './coupons';
import {
  InvoiceMeta,
  InvoiceObj,
  LineSpec,
  attemptInvoicePayment,
  buildInvoice,
  voidInvoice,
  finalizeInvoice,
} from './invoices';
import { newId } from './ids';
import { SubMeta, SubscriptionObj, cancelNow, emitSubscriptionUpdate } from './subscriptions';

export function addInterval(t: number, interval: string, count = 1): number {
  const d = new Date(t * 1000);
  if (interval === 'day') return t + 86400 * count;
  if (interval === 'week') return t + 7 * 86400 * count;
  const months = interval === 'year' ? 12 * count : count;
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return Math.floor(d.getTime() / 1000);
}

export function money(amount: number, currency: string): string {
  const v = (Math.abs(amount) / 100).toFixed(2);
  return currency === 'usd' ? `$${v}` : `${v} ${currency.toUpperCase()}`;
}

export function productName(ctx: Ctx, price: Stripe.Price): string {
  const p = ctx.store.get<Stripe.Product>('product', price.product as string);
  return p?.name ?? price.nickname ?? price.id;
}

function dateText(t: number): string {
  return new Date(t * 1000).toUTCString().slice(5, 16);
}

export function itemLines(ctx: Ctx, sub: SubscriptionObj, start: number, end: number): LineSpec[] {
  return sub.items.data.map((item) => {
    const price = ctx.store.get<Stripe.Price>('price', item.price.id) ?? item.price;
    const qty = item.quantity ?? 1;
    const every = price.recurring ? `${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ` : ''}${price.recurring.interval}` : '';
    return {
      amount: (price.unit_amount ?? 0) * qty,
      description: `${qty} × ${productName(ctx, price)} (at ${money(price.unit_amount ?? 0, price.currency)} / ${every})`,
      price,
      quantity: qty,
      period: { start, end },
      proration: false,
      subscriptionItem: item.id,
    };
  });
}

export interface ItemChange {
  subscriptionItem: string | null;
  oldPrice: Stripe.Price | null;
  oldQty: number;
  newPrice: Stripe.Price | null;
  newQty: number;
  periodStart: number;
  periodEnd: number;
}

/** Credit for the unused time on the old price, charge for the remaining time on the new one. */
/** With `creditOnly` (a new billing cycle starts), the new price is charged in full elsewhere. */
export function prorationLines(ctx: Ctx, changes: ItemChange[], at: number, creditOnly = false): LineSpec[] {
  const lines: LineSpec[] = [];
  for (const c of changes) {
    const span = c.periodEnd - c.periodStart;
    const fraction = span > 0 ? Math.min(1, Math.max(0, (c.periodEnd - at) / span)) : 0;
    if (fraction === 0) continue;
    const period = { start: at, end: c.periodEnd };
    if (c.oldPrice) {
      lines.push({
        amount: -Math.round((c.oldPrice.unit_amount ?? 0) * c.oldQty * fraction),
        description: `Unused time on ${c.oldQty > 1 ? `${c.oldQty} × ` : ''}${productName(ctx, c.oldPrice)} after ${dateText(at)}`,
        price: c.oldPrice,
        quantity: c.oldQty,
        period,
        proration: true,
        subscriptionItem: c.subscriptionItem ?? undefined,
      });
    }
    if (c.newPrice && !creditOnly) {
      lines.push({
        amount: Math.round((c.newPrice.unit_amount ?? 0) * c.newQty * fraction),
        description: `Remaining time on ${c.newQty > 1 ? `${c.newQty} × ` : ''}${productName(ctx, c.newPrice)} after ${dateText(at)}`,
        price: c.newPrice,
        quantity: c.newQty,
        period,
        proration: true,
        subscriptionItem: c.subscriptionItem ?? undefined,
      });
    }
  }
  return lines;
}

/** Prorations kept for the next invoice (`proration_behavior=create_prorations`). */
export function createInvoiceItems(ctx: Ctx, sub: SubscriptionObj, lines: LineSpec[], now: number): void {
  for (const l of lines) {
    const ii: Stripe.InvoiceItem = {
      id: newId('ii'),
      object: 'invoiceitem',
      amount: l.amount,
      currency: sub.currency,
      customer: sub.customer as string,
      customer_account: null,
      date: now,
      description: l.description,
      discountable: true,
      discounts: [],
      invoice: null,
      livemode: false,
      metadata: {},
      net_amount: l.amount,
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: sub.id, subscription_item: l.subscriptionItem },
      },
      period: l.period,
      pricing: l.price
        ? {
            type: 'price_details',
            price_details: { price: l.price.id, product: l.price.product as string },
            unit_amount_decimal: l.price.unit_amount_decimal,
          }
        : null,
      proration: l.proration,
      quantity: l.quantity,
      quantity_decimal: String(l.quantity) as unknown as Stripe.InvoiceItem['quantity_decimal'],
      tax_rates: [],
      test_clock: ctx.clockOfCustomer(sub.customer as string),
    };
    ctx.store.put(ii);
    ctx.emit('invoiceitem.created', ii);
  }
}

export function pendingInvoiceItems(ctx: Ctx, sub: SubscriptionObj): Stripe.InvoiceItem[] {
  return ctx.store
    .all<Stripe.InvoiceItem>('invoiceitem')
    .filter((ii) => ii.invoice === null && ii.parent?.subscription_details?.subscription === sub.id)
    .reverse();
}

export function invoiceItemLines(ctx: Ctx, items: Stripe.InvoiceItem[]): LineSpec[] {
  return items.map((ii) => ({
    amount: ii.amount,
    description: ii.description ?? '',
    price: ii.pricing?.price_details ? ctx.store.get<Stripe.Price>('price', ii.pricing.price_details.price as string) : undefined,
    quantity: ii.quantity,
    period: ii.period,
    proration: ii.proration,
    subscriptionItem: ii.parent?.subscription_details?.subscription_item ?? undefined,
    invoiceItem: ii.id,
  }));
}

/** Builds, stores and (unless collection is paused) finalizes and collects a subscription invoice. */
export function issueInvoice(
  ctx: Ctx,
  sub: SubscriptionObj,
  o: { billingReason: Stripe.Invoice.BillingReason; lines: LineSpec[]; now: number; periodStart: number; periodEnd: number },
): InvoiceObj {
  const pending = pendingInvoiceItems(ctx, sub);
  const inv = buildInvoice(ctx, {
    customer: sub.customer as string,
    subscription: sub,
    billingReason: o.billingReason,
    lines: [...o.lines, ...invoiceItemLines(ctx, pending)],
    now: o.now,
    periodStart: o.periodStart,
    periodEnd: o.periodEnd,
    discounts: sub.discounts as string[],
  });
  for (const ii of pending) {
    ii.invoice = inv.id;
    ctx.store.put(ii);
  }
  ctx.store.put(inv);
  ctx.store.meta<InvoiceMeta>(inv.id).saveDefaultPm = false;
  sub.latest_invoice = inv.id;
  consumeOnceDiscounts(ctx, sub, inv);
  ctx.store.put(sub);
  ctx.emit('invoice.created', inv);
  const pause = sub.pause_collection;
  if (pause?.behavior === 'keep_as_draft') {
    inv.auto_advance = false;
    ctx.store.put(inv);
    return inv;
  }
  if (pause?.behavior === 'void') {
    voidInvoice(ctx, inv, o.now);
    return inv;
  }
  finalizeInvoice(ctx, inv, o.now);
  if (pause?.behavior === 'mark_uncollectible' && inv.status === 'open') {
    inv.status = 'uncollectible';
    inv.status_transitions.marked_uncollectible_at = o.now;
    ctx.store.put(inv);
    ctx.emit('invoice.marked_uncollectible', inv);
    return inv;
  }
  if (inv.status === 'open' && sub.status !== 'unpaid') attemptInvoicePayment(ctx, inv, { now: o.now, manual: false });
  return inv;
}

/** `duration: once` coupons apply to one invoice, then leave the subscription. */
export function consumeOnceDiscounts(ctx: Ctx, sub: SubscriptionObj, inv: InvoiceObj): void {
  if (inv.total_discount_amounts?.length === 0) return;
  sub.discounts = (sub.discounts as string[]).filter((id) => {
    const d = ctx.store.get<Stripe.Discount>('discount', id);
    const once = d && couponOf(ctx, d)?.duration === 'once' && (inv.discounts as string[]).includes(id);
    return !once;
  });
}

export function periodOf(sub: SubscriptionObj): { start: number; end: number } {
  const first = sub.items.data[0];
  return { start: first?.current_period_start ?? sub.start_date, end: first?.current_period_end ?? sub.start_date };
}

function renew(ctx: Ctx, sub: SubscriptionObj, at: number): void {
  const before = ctx.render<SubscriptionObj>(sub);
  const endingTrial = sub.status === 'trialing';
  for (const item of sub.items.data) {
    const r = item.price.recurring;
    item.current_period_start = item.current_period_end;
    item.current_period_end = addInterval(item.current_period_end, r?.interval ?? 'month', r?.interval_count ?? 1);
  }
  if (endingTrial) {
    const hasPm = !!sub.default_payment_method || !!ctx.store.get<Stripe.Customer>('customer', sub.customer as string)?.invoice_settings.default_payment_method;
    const missing = sub.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice';
    if (!hasPm && missing === 'cancel') {
      cancelNow(ctx, sub, at, 'cancellation_requested');
      return;
    }
    if (!hasPm && missing === 'pause') {
      sub.status = 'paused';
      ctx.store.put(sub);
      emitSubscriptionUpdate(ctx, before, sub);
      ctx.emit('customer.subscription.paused', sub);
      return;
    }
    sub.status = 'active';
  }
  ctx.store.put(sub);
  emitSubscriptionUpdate(ctx, before, sub);
  const p = periodOf(sub);
  issueInvoice(ctx, sub, { billingReason: 'subscription_cycle', lines: itemLines(ctx, sub, p.start, p.end), now: at, periodStart: p.start, periodEnd: p.end });
}

interface Due {
  at: number;
  prio: number;
  run: () => void;
}

const LIVE = ['active', 'trialing', 'past_due', 'unpaid'];

function dueActions(ctx: Ctx, clock: string | null): Due[] {
  const out: Due[] = [];
  for (const sub of ctx.store.all<SubscriptionObj>('subscription')) {
    if (ctx.clockOfCustomer(sub.customer as string) !== clock) continue;
    const meta = ctx.store.meta<SubMeta>(sub.id);
    if (sub.status === 'incomplete') {
      out.push({ at: sub.created + 23 * 3600, prio: 1, run: () => expireIncomplete(ctx, sub, sub.created + 23 * 3600) });
      continue;
    }
    if (!LIVE.includes(sub.status)) continue;
    if (sub.cancel_at !== null) out.push({ at: sub.cancel_at, prio: 0, run: () => cancelNow(ctx, sub, sub.cancel_at ?? 0, 'cancellation_requested') });
    if (sub.pause_collection?.resumes_at) {
      const at = sub.pause_collection.resumes_at;
      out.push({
        at,
        prio: 1,
        run: () => {
          const before = ctx.render<SubscriptionObj>(sub);
          sub.pause_collection = null;
          ctx.store.put(sub);
          emitSubscriptionUpdate(ctx, before, sub);
        },
      });
    }
    if (sub.status === 'trialing' && sub.trial_end && !meta.trialWillEndSent) {
      const at = Math.max(sub.trial_end - 3 * 86400, sub.created);
      out.push({
        at,
        prio: 3,
        run: () => {
          meta.trialWillEndSent = true;
          ctx.emit('customer.subscription.trial_will_end', sub);
        },
      });
    }
    out.push({ at: periodOf(sub).end, prio: 2, run: () => renew(ctx, sub, periodOf(sub).end) });
  }
  for (const inv of ctx.store.all<InvoiceObj>('invoice')) {
    if (inv.status !== 'open' || inv.next_payment_attempt === null) continue;
    if (ctx.clockOfCustomer(inv.customer as string) !== clock) continue;
    const at = inv.next_payment_attempt;
    out.push({
      at,
      prio: 4,
      run: () => {
        attemptInvoicePayment(ctx, inv, { now: at, manual: false });
        if (inv.next_payment_attempt === at) {
          inv.next_payment_attempt = null;
          ctx.store.put(inv);
        }
      },
    });
  }
  return out;
}

function expireIncomplete(ctx: Ctx, sub: SubscriptionObj, at: number): void {
  const before = ctx.render<SubscriptionObj>(sub);
  sub.status = 'incomplete_expired';
  sub.ended_at = at;
  ctx.store.put(sub);
  const inv = typeof sub.latest_invoice === 'string' ? ctx.store.get<InvoiceObj>('invoice', sub.latest_invoice) : undefined;
  if (inv && inv.status === 'open') voidInvoice(ctx, inv, at);
  emitSubscriptionUpdate(ctx, before, sub, 'customer.subscription.deleted');
}

/** Runs everything due up to `until` for one clock (null: customers without a clock), in time order. */
export function runDue(ctx: Ctx, clock: string | null, until: number): number {
  let n = 0;
  for (; n < 10000; n++) {
    const due = dueActions(ctx, clock)
      .filter((d) => d.at <= until)
      .sort((a, b) => a.at - b.at || a.prio - b.prio)[0];
    if (!due) break;
    if (clock) {
      const c = ctx.store.must<Stripe.TestHelpers.TestClock>('test_helpers.test_clock', clock);
      if (due.at > c.frozen_time) c.frozen_time = due.at;
    }
    due.run();
  }
  return n;
}
