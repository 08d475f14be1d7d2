/**
 * `POST /v1/invoices/create_preview`: the next invoice of a subscription, with the changes in
 * `subscription_details` applied hypothetically. With `proration_behavior=always_invoice` (or an
 * interval change) it is the invoice such an update would issue at once; otherwise the renewal
 * invoice, including pending and hypothetical prorations.
 */
import type Stripe from 'stripe';
import { addInterval, invoiceItemLines, itemLines, pendingInvoiceItems, periodOf, prorationLines } from './billing-cycle';
import { Ctx } from './context';
import { getCustomer } from './customers';
import { ApiError } from './errors';
import { arr, bool, int, obj, required, str } from './form';
import { Api } from './http';
import { randomString } from './ids';
import { InvoiceObj, LineSpec, buildInvoice } from './invoices';
import { getPrice } from './products-prices';
import { changesInterval, planItems } from './subscription-items';
import { SubscriptionObj, getSubscription } from './subscriptions';
import { clone } from './store';

function noUpcoming(customer: string): ApiError {
  return new ApiError(404, {
    type: 'invalid_request_error',
    code: 'invoice_upcoming_none',
    message: `No upcoming invoices for customer: ${customer}`,
  });
}

export function registerPreview(api: Api, ctx: Ctx): void {
  api.post('/v1/invoices/create_preview', ({ params, expand }) => {
    const details = obj(params.subscription_details, 'subscription_details') ?? {};
    let subId = str(params.subscription, 'subscription');
    let customerId = str(params.customer, 'customer');
    if (!subId && customerId && details.items === undefined) {
      const live = ctx.store
        .all<SubscriptionObj>('subscription')
        .find((s) => s.customer === customerId && ['active', 'trialing', 'past_due'].includes(s.status));
      if (!live) throw noUpcoming(customerId);
      subId = live.id;
    }
    const id = `upcoming_in_${randomString(24)}`;
    if (!subId) {
      customerId = required(customerId, 'customer');
      getCustomer(ctx, customerId);
      const now = ctx.nowForCustomer(customerId);
      const lines: LineSpec[] = (arr(details.items, 'subscription_details[items]') ?? []).map((raw) => {
        const it = obj(raw) ?? {};
        const price = getPrice(ctx, required(str(it.price), 'subscription_details[items][price]'));
        const qty = int(it.quantity) ?? 1;
        const end = addInterval(now, price.recurring?.interval ?? 'month', price.recurring?.interval_count ?? 1);
        return { amount: (price.unit_amount ?? 0) * qty, description: `${qty} × ${price.id}`, price, quantity: qty, period: { start: now, end }, proration: false };
      });
      const inv = buildInvoice(ctx, { id, customer: customerId, subscription: null, billingReason: 'upcoming', lines, now, periodStart: now, periodEnd: now, discounts: [] });
      return ctx.render(inv, expand);
    }

    const real = getSubscription(ctx, subId, 'subscription');
    if (customerId && real.customer !== customerId) throw ApiError.invalid('The subscription does not belong to this customer.', 'subscription');
    const sub = clone(real);
    const now = ctx.nowForCustomer(sub.customer as string);
    const behavior = str(details.proration_behavior) ?? 'create_prorations';
    const at = int(details.proration_date) ?? now;
    const plan = planItems(ctx, sub, details.items);
    const reset = changesInterval(sub, plan);
    const prorate = behavior !== 'none' && ['active', 'past_due'].includes(sub.status);
    const prorations = prorate ? prorationLines(ctx, plan.changes, at, reset) : [];
    const pending = invoiceItemLines(ctx, pendingInvoiceItems(ctx, real));
    const cancelAtEnd = bool(details.cancel_at_period_end) ?? sub.cancel_at_period_end;
    const period = periodOf(sub);
    sub.items.data = plan.next.map((n, i) => ({
      ...(sub.items.data.find((x) => x.id === n.id) ?? (sub.items.data[i] as Stripe.SubscriptionItem)),
      price: n.price,
      quantity: n.quantity,
    }));

    let inv: InvoiceObj;
    if (reset || (behavior === 'always_invoice' && prorations.length)) {
      const r = plan.next[0]!.price.recurring!;
      const end = reset ? addInterval(now, r.interval, r.interval_count) : period.end;
      const lines = reset ? [...prorations, ...itemLines(ctx, sub, now, end)] : prorations;
      inv = buildInvoice(ctx, {
        id,
        customer: sub.customer as string,
        subscription: sub,
        billingReason: 'subscription_update',
        lines: [...lines, ...pending],
        now,
        periodStart: at,
        periodEnd: at,
        discounts: sub.discounts as string[],
      });
    } else {
      if (cancelAtEnd || sub.status === 'canceled' || sub.status === 'incomplete_expired') throw noUpcoming(sub.customer as string);
      const r = plan.next[0]!.price.recurring!;
      const start = period.end;
      const end = addInterval(start, r.interval, r.interval_count);
      inv = buildInvoice(ctx, {
        id,
        customer: sub.customer as string,
        subscription: sub,
        billingReason: 'subscription_cycle',
        lines: [...itemLines(ctx, sub, start, end), ...pending, ...(behavior === 'none' ? [] : prorations)],
        now: start,
        periodStart: period.start,
        periodEnd: period.end,
        discounts: sub.discounts as string[],
      });
      inv.next_payment_attempt = start;
    }
    inv.webhooks_delivered_at = null;
    return ctx.render(inv, expand);
  });
}
