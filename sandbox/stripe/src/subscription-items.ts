/** Subscription items: planning `items[…]` changes (for updates and previews) and the read-only item endpoints. */
import type Stripe from 'stripe';
import { ItemChange, periodOf } from './billing-cycle';
import { Ctx } from './context';
import { ApiError } from './errors';
import { FormValue, arr, bool, int, mergeMetadata, obj, required, str } from './form';
import { Api } from './http';
import { newId } from './ids';
import { getPrice, planOf } from './products-prices';
import { paginate } from './store';
import { SubscriptionObj, getSubscription } from './subscriptions';

export interface ItemPlan {
  next: Array<{ id: string | null; price: Stripe.Price; quantity: number; metadata?: FormValue }>;
  changes: ItemChange[];
}

/** What `items[…]` would do to the subscription, without changing it. */
export function planItems(ctx: Ctx, sub: SubscriptionObj, itemsParam: FormValue | undefined): ItemPlan {
  const next: ItemPlan['next'] = sub.items.data.map((i) => ({ id: i.id, price: getPrice(ctx, i.price.id), quantity: i.quantity ?? 1 }));
  const changes: ItemChange[] = [];
  const p = periodOf(sub);
  for (const raw of arr(itemsParam, 'items') ?? []) {
    const it = obj(raw, 'items') ?? {};
    const id = str(it.id, 'items[id]');
    const priceId = str(it.price, 'items[price]');
    const qty = int(it.quantity, 'items[quantity]');
    const existing = id ? next.find((n) => n.id === id) : undefined;
    if (id && !existing) throw ApiError.invalid(`Subscription item ${id} is not part of this subscription.`, 'items');
    if (existing && bool(it.deleted)) {
      next.splice(next.indexOf(existing), 1);
      changes.push({ subscriptionItem: existing.id, oldPrice: existing.price, oldQty: existing.quantity, newPrice: null, newQty: 0, periodStart: p.start, periodEnd: p.end });
      continue;
    }
    const price = priceId ? getPrice(ctx, priceId, 'items[price]') : existing?.price;
    if (!price) throw ApiError.invalid('Missing required param: items[price].', 'items[price]', 'parameter_missing');
    const quantity = qty ?? existing?.quantity ?? 1;
    if (existing) {
      if (existing.price.id !== price.id || existing.quantity !== quantity) {
        changes.push({ subscriptionItem: existing.id, oldPrice: existing.price, oldQty: existing.quantity, newPrice: price, newQty: quantity, periodStart: p.start, periodEnd: p.end });
      }
      Object.assign(existing, { price, quantity, metadata: it.metadata });
    } else {
      next.push({ id: null, price, quantity, metadata: it.metadata });
      changes.push({ subscriptionItem: null, oldPrice: null, oldQty: 0, newPrice: price, newQty: quantity, periodStart: p.start, periodEnd: p.end });
    }
  }
  return { next, changes };
}

export function changesInterval(sub: SubscriptionObj, plan: ItemPlan): boolean {
  const cur = sub.items.data[0]?.price.recurring;
  return plan.next.some(
    (n) => n.price.recurring?.interval !== cur?.interval || n.price.recurring?.interval_count !== cur?.interval_count,
  );
}

export function newItem(ctx: Ctx, subId: string, price: Stripe.Price, quantity: number, start: number, end: number, metadata?: FormValue): Stripe.SubscriptionItem {
  return {
    id: newId('si'),
    object: 'subscription_item',
    billing_thresholds: null,
    created: start,
    current_period_end: end,
    current_period_start: start,
    current_trial: null,
    discounts: [],
    metadata: mergeMetadata({}, metadata),
    plan: planOf(price),
    price,
    quantity,
    subscription: subId,
    tax_rates: [],
  };
}

export function registerSubscriptionItems(api: Api, ctx: Ctx): void {
  ctx.registerRenderer('subscription_item', (i) => i);
  api.get('/v1/subscription_items/:id', ({ path, expand }) => {
    for (const sub of ctx.store.all<SubscriptionObj>('subscription')) {
      const item = ctx.render<SubscriptionObj>(sub).items.data.find((i) => i.id === path.id);
      if (item) return ctx.render(item as unknown as object, expand);
    }
    throw ApiError.missing('subscription_item', path.id as string);
  });
  api.get('/v1/subscription_items', ({ params }) => {
    const sub = getSubscription(ctx, required(str(params.subscription, 'subscription'), 'subscription'), 'subscription');
    return paginate(ctx.render<SubscriptionObj>(sub).items.data, params, `/v1/subscription_items?subscription=${sub.id}`);
  });
}
