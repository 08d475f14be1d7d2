/** Products and prices (with `lookup_key`, `transfer_lookup_key` and the `lookup_keys[]` list filter). */
import type Stripe from 'stripe';
import { Ctx } from './context';
import { ApiError } from './errors';
import { FormObject, bool, int, mergeMetadata, obj, required, str, strArr } from './form';
import { Api } from './http';
import { newId } from './ids';
import { dec, matchesCreated, paginate } from './store';
import { search } from './search';

export function getPrice(ctx: Ctx, id: string, param = 'price'): Stripe.Price {
  return ctx.store.must<Stripe.Price>('price', id, 'price', param);
}

/** The legacy `plan` view of a recurring price, as subscription items still carry it. */
export function planOf(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: price.recurring?.trial_period_days ?? null,
    usage_type: 'licensed',
  };
}

function createProduct(ctx: Ctx, p: FormObject, now: number): Stripe.Product {
  const id = str(p.id, 'id') ?? newId('prod');
  if (ctx.store.raw(id)) throw ApiError.invalid(`Product already exists.`, 'id', 'resource_already_exists');
  const product: Stripe.Product = {
    id,
    object: 'product',
    active: bool(p.active, 'active') ?? true,
    created: now,
    default_price: null,
    description: str(p.description, 'description') || null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: mergeMetadata({}, p.metadata),
    name: required(str(p.name, 'name'), 'name'),
    package_dimensions: null,
    shippable: null,
    statement_descriptor: str(p.statement_descriptor) ?? null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: str(p.unit_label) ?? null,
    updated: now,
    url: null,
  };
  return ctx.store.put(product);
}

function setLookupKey(ctx: Ctx, price: Stripe.Price, key: string | null, transfer: boolean): void {
  if (key) {
    const holder = ctx.store.all<Stripe.Price>('price').find((x) => x.lookup_key === key && x.id !== price.id);
    if (holder) {
      if (!transfer) {
        throw ApiError.invalid(
          `A price (\`${holder.id}\`) already uses that lookup key. Pass \`transfer_lookup_key=true\` to move it.`,
          'lookup_key',
        );
      }
      holder.lookup_key = null;
      ctx.store.put(holder);
      ctx.emit('price.updated', holder, { lookup_key: key });
    }
  }
  price.lookup_key = key;
}

export function createPrice(ctx: Ctx, p: FormObject, now: number): Stripe.Price {
  let product = str(p.product, 'product');
  const productData = obj(p.product_data, 'product_data');
  if (!product && productData) product = createProduct(ctx, productData, now).id;
  product = required(product, 'product');
  ctx.store.must('product', product, 'product', 'product');
  const recurring = obj(p.recurring, 'recurring');
  const unitAmount = int(p.unit_amount, 'unit_amount') ?? Number(str(p.unit_amount_decimal) ?? NaN);
  if (!Number.isFinite(unitAmount)) throw ApiError.invalid('Missing required param: unit_amount.', 'unit_amount', 'parameter_missing');
  const interval = recurring ? str(recurring.interval, 'recurring[interval]') : undefined;
  if (recurring && !['day', 'week', 'month', 'year'].includes(interval ?? '')) {
    throw ApiError.invalid('Invalid recurring[interval]', 'recurring[interval]');
  }
  const price: Stripe.Price = {
    id: newId('price'),
    object: 'price',
    active: bool(p.active, 'active') ?? true,
    billing_scheme: 'per_unit',
    created: now,
    currency: required(str(p.currency, 'currency'), 'currency').toLowerCase(),
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: mergeMetadata({}, p.metadata),
    nickname: str(p.nickname, 'nickname') || null,
    product,
    recurring: recurring
      ? {
          interval: interval as Stripe.Price.Recurring.Interval,
          interval_count: int(recurring.interval_count, 'recurring[interval_count]') ?? 1,
          meter: null,
          trial_period_days: int(recurring.trial_period_days) ?? null,
          usage_type: 'licensed',
        }
      : null,
    tax_behavior: (str(p.tax_behavior) as Stripe.Price.TaxBehavior | undefined) ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: unitAmount,
    unit_amount_decimal: dec(String(unitAmount)),
  };
  setLookupKey(ctx, price, str(p.lookup_key, 'lookup_key') || null, bool(p.transfer_lookup_key) ?? false);
  ctx.store.put(price);
  ctx.emit('price.created', price);
  return price;
}

export function registerProductsPrices(api: Api, ctx: Ctx): void {
  api.post('/v1/products', ({ params, expand }) => {
    const now = ctx.realNow();
    const product = createProduct(ctx, params, now);
    const dpd = obj(params.default_price_data, 'default_price_data');
    ctx.emit('product.created', product);
    if (dpd) {
      const price = createPrice(ctx, { ...dpd, product: product.id }, now);
      product.default_price = price.id;
      ctx.store.put(product);
    }
    return ctx.render(product, expand);
  });
  api.get('/v1/products/search', ({ params }) => ctx.renderList(search(ctx.store.all('product'), params, '/v1/products/search')));
  api.get('/v1/products/:id', ({ path, expand }) => ctx.render(ctx.store.must('product', path.id as string, 'product'), expand));
  api.post('/v1/products/:id', ({ path, params, expand }) => {
    const product = ctx.store.must<Stripe.Product>('product', path.id as string, 'product');
    const before = ctx.render<Stripe.Product>(product);
    product.name = str(params.name, 'name') ?? product.name;
    const desc = str(params.description, 'description');
    if (desc !== undefined) product.description = desc || null;
    product.active = bool(params.active, 'active') ?? product.active;
    product.metadata = mergeMetadata(product.metadata, params.metadata);
    const dp = str(params.default_price, 'default_price');
    if (dp !== undefined) product.default_price = dp ? getPrice(ctx, dp, 'default_price').id : null;
    product.updated = ctx.realNow();
    ctx.store.put(product);
    ctx.emit('product.updated', product, { name: before.name, active: before.active, metadata: before.metadata });
    return ctx.render(product, expand);
  });
  api.del('/v1/products/:id', ({ path }) => {
    const product = ctx.store.must<Stripe.Product>('product', path.id as string, 'product');
    if (ctx.store.all<Stripe.Price>('price').some((p) => p.product === product.id)) {
      throw ApiError.invalid('This product cannot be deleted because it has one or more user-created prices.');
    }
    ctx.store.remove(product.id);
    ctx.emit('product.deleted', product);
    return { id: product.id, object: 'product', deleted: true };
  });
  api.get('/v1/products', ({ params, expand }) => {
    const active = bool(params.active, 'active');
    const ids = strArr(params.ids, 'ids');
    const items = ctx.store
      .all<Stripe.Product>('product')
      .filter((p) => (active === undefined || p.active === active) && (!ids || ids.includes(p.id)));
    return ctx.renderList(paginate(items, params, '/v1/products'), expand);
  });

  api.post('/v1/prices', ({ params, expand }) => ctx.render(createPrice(ctx, params, ctx.realNow()), expand));
  api.get('/v1/prices/search', ({ params, expand }) =>
    ctx.renderList(search(ctx.store.all('price'), params, '/v1/prices/search'), expand),
  );
  api.get('/v1/prices/:id', ({ path, expand }) => ctx.render(getPrice(ctx, path.id as string, 'id'), expand));
  api.post('/v1/prices/:id', ({ path, params, expand }) => {
    const price = getPrice(ctx, path.id as string, 'id');
    const before = ctx.render<Stripe.Price>(price);
    price.active = bool(params.active, 'active') ?? price.active;
    price.metadata = mergeMetadata(price.metadata, params.metadata);
    const nick = str(params.nickname, 'nickname');
    if (nick !== undefined) price.nickname = nick || null;
    const lk = str(params.lookup_key, 'lookup_key');
    if (lk !== undefined) setLookupKey(ctx, price, lk || null, bool(params.transfer_lookup_key) ?? false);
    ctx.store.put(price);
    const prev: Record<string, unknown> = {};
    for (const k of ['active', 'metadata', 'nickname', 'lookup_key'] as const) {
      if (JSON.stringify(before[k]) !== JSON.stringify(price[k])) prev[k] = before[k];
    }
    ctx.emit('price.updated', price, prev);
    return ctx.render(price, expand);
  });
  api.get('/v1/prices', ({ params, expand }) => {
    const active = bool(params.active, 'active');
    const product = str(params.product, 'product');
    const type = str(params.type, 'type');
    const currency = str(params.currency, 'currency');
    const lookupKeys = strArr(params.lookup_keys, 'lookup_keys');
    const recurring = obj(params.recurring, 'recurring');
    const interval = recurring ? str(recurring.interval) : undefined;
    const items = ctx.store
      .all<Stripe.Price>('price')
      .filter(
        (p) =>
          (active === undefined || p.active === active) &&
          (!product || p.product === product) &&
          (!type || p.type === type) &&
          (!currency || p.currency === currency) &&
          (!lookupKeys || (p.lookup_key !== null && lookupKeys.includes(p.lookup_key))) &&
          (!interval || p.recurring?.interval === interval) &&
          matchesCreated(p.created, params.created),
      );
    return ctx.renderList(paginate(items, params, '/v1/prices'), expand);
  });
}
