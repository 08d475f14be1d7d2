/** Customers: create, retrieve, update, delete, list, search; payment methods by customer. */
import type Stripe from 'stripe';
import { Ctx } from './context';
import { ApiError } from './errors';
import { FormObject, mergeMetadata, obj, str } from './form';
import { Api } from './http';
import { newId, randomString } from './ids';
import { attachPaymentMethod, resolvePaymentMethodForCustomer } from './payment-methods';
import { paginate, matchesCreated } from './store';
import { search } from './search';

export type CustomerObj = Stripe.Customer & {
  address: Stripe.Address | null;
  delinquent: boolean;
  discount: Stripe.Discount | null;
  name: string | null;
  phone: string | null;
  test_clock: string | null;
};

export function getCustomer(ctx: Ctx, id: string, param = 'customer'): CustomerObj {
  const c = ctx.store.get<CustomerObj & { deleted?: boolean }>('customer', id);
  if (!c || c.deleted) throw ApiError.missing('customer', id, param);
  return c;
}

function nullable(v: string | undefined, current: string | null): string | null {
  if (v === undefined) return current;
  return v === '' ? null : v;
}

function applyParams(ctx: Ctx, c: CustomerObj, p: FormObject): void {
  c.email = nullable(str(p.email, 'email'), c.email);
  c.name = nullable(str(p.name, 'name'), c.name);
  c.description = nullable(str(p.description, 'description'), c.description);
  c.phone = nullable(str(p.phone, 'phone'), c.phone);
  c.metadata = mergeMetadata(c.metadata, p.metadata);
  const address = obj(p.address, 'address');
  if (address) {
    const a = (k: string) => (typeof address[k] === 'string' ? (address[k] as string) : null);
    c.address = { city: a('city'), country: a('country'), line1: a('line1'), line2: a('line2'), postal_code: a('postal_code'), state: a('state') };
  }
  const locales = p.preferred_locales;
  if (Array.isArray(locales)) c.preferred_locales = locales.filter((x): x is string => typeof x === 'string');
  const inv = obj(p.invoice_settings, 'invoice_settings');
  const dpm = inv ? str(inv.default_payment_method, 'invoice_settings[default_payment_method]') : undefined;
  if (dpm !== undefined) {
    c.invoice_settings.default_payment_method =
      dpm === '' ? null : resolvePaymentMethodForCustomer(ctx, c.id, dpm, 'invoice_settings[default_payment_method]').id;
  }
}

export function registerCustomers(api: Api, ctx: Ctx): void {
  ctx.registerRenderer('customer', (o) => o);

  api.post('/v1/customers', ({ params, expand }) => {
    const clock = str(params.test_clock, 'test_clock') ?? null;
    if (clock) ctx.store.must('test_helpers.test_clock', clock, 'test clock', 'test_clock');
    const id = newId('cus');
    const c: CustomerObj = {
      id,
      object: 'customer',
      address: null,
      balance: 0,
      created: ctx.now(clock),
      currency: null,
      customer_account: null,
      default_source: null,
      delinquent: false,
      description: null,
      discount: null,
      email: null,
      invoice_prefix: randomString(8).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: {},
      name: null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
      test_clock: clock,
    };
    ctx.store.put(c);
    const pm = str(params.payment_method, 'payment_method');
    if (pm) attachPaymentMethod(ctx, pm, id);
    applyParams(ctx, c, params);
    ctx.emit('customer.created', c);
    return ctx.render(c, expand);
  });

  api.get('/v1/customers/search', ({ params }) => {
    const all = ctx.store.all<CustomerObj & { deleted?: boolean }>('customer').filter((c) => !c.deleted);
    return ctx.renderList(search(all, params, '/v1/customers/search'));
  });

  api.get('/v1/customers/:id', ({ path, expand }) => {
    const c = ctx.store.must<CustomerObj>('customer', path.id as string, 'customer');
    return ctx.render(c, expand);
  });

  api.post('/v1/customers/:id', ({ path, params, expand }) => {
    const c = getCustomer(ctx, path.id as string, 'id');
    const before = ctx.render<CustomerObj>(c);
    applyParams(ctx, c, params);
    ctx.store.put(c);
    const prev: Record<string, unknown> = {};
    for (const k of ['email', 'name', 'description', 'phone', 'metadata', 'address', 'invoice_settings'] as const) {
      if (JSON.stringify(before[k]) !== JSON.stringify(c[k])) prev[k] = before[k];
    }
    if (Object.keys(prev).length) ctx.emit('customer.updated', c, prev);
    return ctx.render(c, expand);
  });

  api.del('/v1/customers/:id', ({ path }) => {
    const c = getCustomer(ctx, path.id as string, 'id');
    ctx.emit('customer.deleted', c);
    const deleted = { id: c.id, object: 'customer', deleted: true } as const;
    ctx.store.put(deleted);
    return deleted;
  });

  api.get('/v1/customers', ({ params, expand }) => {
    const email = str(params.email, 'email');
    const clock = str(params.test_clock, 'test_clock');
    const items = ctx.store
      .all<CustomerObj & { deleted?: boolean }>('customer')
      .filter((c) => !c.deleted && (email === undefined || c.email === email))
      .filter((c) => (clock === undefined ? true : c.test_clock === clock))
      .filter((c) => matchesCreated(c.created, params.created));
    return ctx.renderList(paginate(items, params, '/v1/customers'), expand);
  });

  api.get('/v1/customers/:id/payment_methods', ({ path, params }) => {
    const c = getCustomer(ctx, path.id as string, 'customer');
    const type = str(params.type, 'type');
    const items = ctx.store
      .all<Stripe.PaymentMethod>('payment_method')
      .filter((pm) => pm.customer === c.id && (!type || pm.type === type));
    return paginate(items, params, `/v1/customers/${c.id}/payment_methods`);
  });
}
