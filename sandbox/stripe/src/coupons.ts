/** Coupons and the discounts that apply them to subscriptions. */
import type Stripe from 'stripe';
import { Ctx } from './context';
import { ApiError } from './errors';
import { FormObject, arr, int, mergeMetadata, num, obj, str } from './form';
import { Api } from './http';
import { newId, randomString } from './ids';
import { paginate } from './store';

function addMonths(t: number, months: number): number {
  const d = new Date(t * 1000);
  d.setUTCMonth(d.getUTCMonth() + months);
  return Math.floor(d.getTime() / 1000);
}

export function couponOf(ctx: Ctx, d: Stripe.Discount): Stripe.Coupon | undefined {
  const c = d.source.coupon;
  const id = typeof c === 'string' ? c : c?.id;
  if (!id) return undefined;
  // A deleted coupon keeps working for the discounts that already use it.
  return ctx.store.get<Stripe.Coupon>('coupon', id) ?? ctx.store.meta<{ coupon: Stripe.Coupon }>(d.id).coupon;
}

/** How much a coupon takes off an amount (never more than the amount). */
export function discountAmount(coupon: Stripe.Coupon, amount: number): number {
  if (amount <= 0) return 0;
  if (coupon.percent_off) return Math.min(amount, Math.round((amount * coupon.percent_off) / 100));
  if (coupon.amount_off) return Math.min(amount, coupon.amount_off);
  return 0;
}

export function createDiscount(
  ctx: Ctx,
  couponId: string,
  on: { customer: string | null; subscription: string | null; checkout_session?: string | null; now: number },
): Stripe.Discount {
  const coupon = ctx.store.must<Stripe.Coupon>('coupon', couponId, 'coupon', 'coupon');
  if (!coupon.valid) throw ApiError.invalid(`Coupon expired: ${couponId}`, 'coupon');
  const d: Stripe.Discount = {
    id: newId('di'),
    object: 'discount',
    checkout_session: on.checkout_session ?? null,
    customer: on.customer,
    customer_account: null,
    end: coupon.duration === 'repeating' && coupon.duration_in_months ? addMonths(on.now, coupon.duration_in_months) : null,
    invoice: null,
    invoice_item: null,
    promotion_code: null,
    source: { coupon: coupon.id, type: 'coupon' },
    start: on.now,
    subscription: on.subscription,
    subscription_item: null,
  };
  coupon.times_redeemed += 1;
  if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions) coupon.valid = false;
  ctx.store.put(coupon);
  ctx.store.put(d);
  ctx.store.meta<{ coupon: Stripe.Coupon }>(d.id).coupon = coupon;
  return d;
}

/** `discounts[0][coupon]=…` (or `[discount]=di_…`) → discount ids; '' clears. */
export function discountsFromParam(
  ctx: Ctx,
  v: FormObject[string],
  on: { customer: string | null; subscription: string | null; now: number },
  existing: string[],
): string[] | undefined {
  if (v === undefined) return undefined;
  if (v === '') return [];
  const out: string[] = [];
  for (const item of arr(v, 'discounts') ?? []) {
    const o = obj(item, 'discounts') ?? {};
    const coupon = str(o.coupon, 'discounts[coupon]');
    const discount = str(o.discount, 'discounts[discount]');
    if (discount) {
      if (!existing.includes(discount)) throw ApiError.missing('discount', discount, 'discounts');
      out.push(discount);
    } else if (coupon) {
      const keep = existing.find((id) => {
        const d = ctx.store.get<Stripe.Discount>('discount', id);
        return d && couponOf(ctx, d)?.id === coupon;
      });
      out.push(keep ?? createDiscount(ctx, coupon, on).id);
    } else if (o.promotion_code) {
      throw ApiError.invalid('Promotion codes are not implemented by the Stripe sandbox.', 'discounts[promotion_code]');
    }
  }
  return out;
}

export function registerCoupons(api: Api, ctx: Ctx): void {
  api.post('/v1/coupons', ({ params }) => {
    const id = str(params.id, 'id') || randomString(8).toUpperCase();
    if (ctx.store.raw(id)) throw ApiError.invalid('Coupon already exists.', 'id', 'resource_already_exists');
    const percent = num(params.percent_off, 'percent_off') ?? null;
    const amountOff = int(params.amount_off, 'amount_off') ?? null;
    if ((percent === null) === (amountOff === null)) {
      throw ApiError.invalid('You must pass exactly one of percent_off or amount_off.', 'percent_off');
    }
    const duration = (str(params.duration, 'duration') ?? 'once') as Stripe.Coupon.Duration;
    const coupon: Stripe.Coupon = {
      id,
      object: 'coupon',
      amount_off: amountOff,
      created: ctx.realNow(),
      currency: amountOff !== null ? (str(params.currency, 'currency') ?? 'usd') : null,
      duration,
      duration_in_months: duration === 'repeating' ? (int(params.duration_in_months, 'duration_in_months') ?? 1) : null,
      livemode: false,
      max_redemptions: int(params.max_redemptions, 'max_redemptions') ?? null,
      metadata: mergeMetadata({}, params.metadata),
      name: str(params.name, 'name') ?? null,
      percent_off: percent,
      redeem_by: int(params.redeem_by, 'redeem_by') ?? null,
      times_redeemed: 0,
      valid: true,
    };
    ctx.store.put(coupon);
    ctx.emit('coupon.created', coupon);
    return ctx.render(coupon);
  });
  api.get('/v1/coupons/:id', ({ path }) => ctx.render(ctx.store.must('coupon', path.id as string, 'coupon')));
  api.post('/v1/coupons/:id', ({ path, params }) => {
    const coupon = ctx.store.must<Stripe.Coupon>('coupon', path.id as string, 'coupon');
    const before = ctx.render<Stripe.Coupon>(coupon);
    const name = str(params.name, 'name');
    if (name !== undefined) coupon.name = name || null;
    coupon.metadata = mergeMetadata(coupon.metadata ?? {}, params.metadata);
    ctx.store.put(coupon);
    ctx.emit('coupon.updated', coupon, { name: before.name, metadata: before.metadata });
    return ctx.render(coupon);
  });
  api.del('/v1/coupons/:id', ({ path }) => {
    const coupon = ctx.store.must<Stripe.Coupon>('coupon', path.id as string, 'coupon');
    ctx.store.remove(coupon.id);
    ctx.emit('coupon.deleted', coupon);
    return { id: coupon.id, object: 'coupon', deleted: true };
  });
  api.get('/v1/coupons', ({ params }) => ctx.renderList(paginate(ctx.store.all('coupon'), params, '/v1/coupons')));
}
