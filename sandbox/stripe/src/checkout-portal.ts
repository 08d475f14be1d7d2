/**
 * Checkout sessions and billing portal sessions, with simple hosted pages: a checkout page with a
 * test-card form, a portal page to cancel at period end / resume / update the card, the 3-D Secure
 * page that `redirect_to_url` points at, and a read-only hosted invoice page.
 */
import express from 'express';
import type Stripe from 'stripe';
import { money, productName } from './billing-cycle';
import { Ctx } from './context';
import { ApiError } from './errors';
import { arr, bool, int, mergeMetadata, obj, required, str } from './form';
import { Api } from './http';
import { newId } from './ids';
import { InvoiceMeta, InvoiceObj, getInvoice } from './invoices';
import { authenticationPage, cardFields, esc, layout, messagePage, parseExpiry } from './pages';
import { authenticatePaymentIntent, confirmPaymentIntent, createPaymentIntent } from './payments';
import { attachPaymentMethod, cardFor, createCardPaymentMethod } from './payment-methods';
import { getPrice } from './products-prices';
import { registerPortalPages } from './portal-pages';
import { paginate } from './store';
import { createSubscription } from './subscriptions';

type CheckoutSession = Stripe.Checkout.Session;
type LineItem = { price: string; quantity: number };

function lineItemsOf(ctx: Ctx, cs: CheckoutSession): LineItem[] {
  return ctx.store.meta<{ lineItems: LineItem[] }>(cs.id).lineItems ?? [];
}

function toLineItem(ctx: Ctx, li: LineItem): Stripe.LineItem {
  const price = getPrice(ctx, li.price);
  const total = (price.unit_amount ?? 0) * li.quantity;
  return {
    id: newId('li'),
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: total,
    amount_tax: 0,
    amount_total: total,
    currency: price.currency,
    description: productName(ctx, price),
    metadata: {},
    price,
    quantity: li.quantity,
  };
}

function withQuery(url: string, q: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
  return u.toString();
}

export function registerCheckoutPortal(api: Api, pages: express.Router, ctx: Ctx): void {
  ctx.registerIncludable('checkout.session', 'line_items', (cs) => ({
    object: 'list',
    data: lineItemsOf(ctx, cs as CheckoutSession).map((li) => toLineItem(ctx, li)),
    has_more: false,
    url: `/v1/checkout/sessions/${cs.id}/line_items`,
  }));

  api.post('/v1/checkout/sessions', ({ params, expand }) => {
    const mode = (str(params.mode, 'mode') ?? 'payment') as Stripe.Checkout.Session.Mode;
    if (mode === 'setup') throw ApiError.invalid('The Stripe sandbox does not implement setup mode Checkout.', 'mode');
    const customer = str(params.customer, 'customer') ?? null;
    if (customer) ctx.store.must('customer', customer, 'customer', 'customer');
    const lineItems: LineItem[] = (arr(params.line_items, 'line_items') ?? []).map((raw, i) => {
      const li = obj(raw) ?? {};
      return { price: getPrice(ctx, required(str(li.price), `line_items[${i}][price]`), `line_items[${i}][price]`).id, quantity: int(li.quantity) ?? 1 };
    });
    if (lineItems.length === 0) throw ApiError.invalid('Missing required param: line_items.', 'line_items', 'parameter_missing');
    const total = lineItems.reduce((s, li) => s + (getPrice(ctx, li.price).unit_amount ?? 0) * li.quantity, 0);
    const now = ctx.nowForCustomer(customer);
    const id = newId('cs_test');
    const cs: CheckoutSession = {
      id,
      object: 'checkout.session',
      adaptive_pricing: { enabled: false },
      after_expiration: null,
      allow_promotion_codes: bool(params.allow_promotion_codes) ?? null,
      allowed_payment_method_types: null,
      amount_subtotal: total,
      amount_total: total,
      automatic_tax: { enabled: false, liability: null, provider: null, status: null },
      billing_address_collection: null,
      cancel_url: str(params.cancel_url, 'cancel_url') ?? null,
      client_reference_id: str(params.client_reference_id, 'client_reference_id') ?? null,
      client_secret: null,
      collected_information: null,
      consent: null,
      consent_collection: null,
      created: now,
      currency: getPrice(ctx, lineItems[0]!.price).currency,
      currency_conversion: null,
      custom_fields: [],
      custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
      customer,
      customer_account: null,
      customer_creation: customer ? null : 'always',
      customer_details: null,
      customer_email: str(params.customer_email, 'customer_email') ?? null,
      discounts: [],
      expires_at: now + 24 * 3600,
      integration_identifier: null,
      invoice: null,
      invoice_creation: null,
      livemode: false,
      locale: null,
      managed_payments: null,
      metadata: mergeMetadata({}, params.metadata),
      mode,
      origin_context: null,
      payment_intent: null,
      payment_link: null,
      payment_method_collection: 'always',
      payment_method_configuration_details: null,
      payment_method_options: {},
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      permissions: null,
      phone_number_collection: { enabled: false },
      recovered_from: null,
      saved_payment_method_options: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      shipping_options: [],
      status: 'open',
      submit_type: null,
      subscription: null,
      success_url: str(params.success_url, 'success_url') ?? null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted',
      url: `${ctx.config.baseUrl}/checkout/${id}`,
      wallet_options: null,
    };
    ctx.store.put(cs);
    const m = ctx.store.meta<{ lineItems: LineItem[]; subscriptionData: unknown }>(id);
    m.lineItems = lineItems;
    m.subscriptionData = obj(params.subscription_data) ?? {};
    return ctx.render(cs, expand);
  });
  api.get('/v1/checkout/sessions/:id', ({ path, expand }) => ctx.render(ctx.store.must('checkout.session', path.id as string, 'checkout.session'), expand));
  api.get('/v1/checkout/sessions/:id/line_items', ({ path, params }) => {
    const cs = ctx.store.must<CheckoutSession>('checkout.session', path.id as string, 'checkout.session');
    return paginate(lineItemsOf(ctx, cs).map((li) => toLineItem(ctx, li)), params, `/v1/checkout/sessions/${cs.id}/line_items`);
  });
  api.get('/v1/checkout/sessions', ({ params, expand }) => {
    const f = (k: string) => str(params[k], k);
    const items = ctx.store
      .all<CheckoutSession>('checkout.session')
      .filter((s) => (!f('customer') || s.customer === f('customer')) && (!f('subscription') || s.subscription === f('subscription')) && (!f('payment_intent') || s.payment_intent === f('payment_intent')) && (!f('status') || s.status === f('status')));
    return ctx.renderList(paginate(items, params, '/v1/checkout/sessions'), expand);
  });
  api.post('/v1/checkout/sessions/:id/expire', ({ path }) => {
    const cs = ctx.store.must<CheckoutSession>('checkout.session', path.id as string, 'checkout.session');
    if (cs.status !== 'open') throw ApiError.invalid(`Only open Checkout Sessions can be expired.`);
    cs.status = 'expired';
    cs.url = null;
    ctx.store.put(cs);
    ctx.emit('checkout.session.expired', cs);
    return ctx.render(cs);
  });

  api.post('/v1/billing_portal/sessions', ({ params, expand }) => {
    const customer = required(str(params.customer, 'customer'), 'customer');
    ctx.store.must('customer', customer, 'customer', 'customer');
    const id = newId('bps');
    const session: Stripe.BillingPortal.Session = {
      id,
      object: 'billing_portal.session',
      configuration: 'bpc_sandbox_default',
      created: ctx.realNow(),
      customer,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: str(params.return_url, 'return_url') ?? null,
      url: `${ctx.config.baseUrl}/portal/${id}`,
    };
    ctx.store.put(session);
    return ctx.render(session, expand);
  });

  // ---- hosted pages ---------------------------------------------------------------------

  const form = express.urlencoded({ extended: false });
  const html = (res: express.Response, body: string, status = 200) => res.status(status).type('html').send(body);

  function checkoutPage(cs: CheckoutSession, error?: string): string {
    const rows = lineItemsOf(ctx, cs)
      .map((li) => {
        const p = getPrice(ctx, li.price);
        const every = p.recurring ? ` / ${p.recurring.interval}` : '';
        return `<tr><td>${esc(productName(ctx, p))}${li.quantity > 1 ? ` × ${li.quantity}` : ''}</td><td>${esc(money((p.unit_amount ?? 0) * li.quantity, p.currency))}${esc(every)}</td></tr>`;
      })
      .join('');
    const email = cs.customer_email ?? (cs.customer ? ctx.store.get<Stripe.Customer>('customer', cs.customer as string)?.email : null);
    return layout(
      'Checkout',
      `<h1>Checkout</h1><table>${rows}</table>
<form method="post" action="/checkout/${esc(cs.id)}">
${cardFields({ email, askEmail: !cs.customer })}
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<button type="submit">${cs.mode === 'subscription' ? 'Subscribe' : 'Pay'}</button>
</form>
${cs.cancel_url ? `<p><a href="${esc(cs.cancel_url)}">Cancel and go back</a></p>` : ''}`,
    );
  }

  function completeCheckout(cs: CheckoutSession, res: express.Response): void {
    cs.status = 'complete';
    cs.payment_status = 'paid';
    ctx.store.put(cs);
    ctx.emit('checkout.session.completed', cs);
    res.redirect(303, (cs.success_url ?? '/').replace('{CHECKOUT_SESSION_ID}', cs.id));
  }

  pages.get('/checkout/:id', (req, res) => {
    const cs = ctx.store.get<CheckoutSession>('checkout.session', req.params.id);
    if (!cs || cs.status !== 'open') return html(res, messagePage('Checkout', 'This checkout session is no longer available.'), 404);
    html(res, checkoutPage(cs));
  });

  pages.post('/checkout/:id', form, (req, res) => {
    const cs = ctx.store.get<CheckoutSession>('checkout.session', req.params.id);
    if (!cs || cs.status !== 'open') return html(res, messagePage('Checkout', 'This checkout session is no longer available.'), 404);
    const b = req.body as Record<string, string | undefined>;
    try {
      const number = (b.card_number ?? '').replace(/\D/g, '');
      const card = cardFor(number);
      if (card.behavior === 'decline' || card.behavior === 'decline_charges') return html(res, checkoutPage(cs, 'Your card was declined.'), 402);
      let customer = cs.customer as string | null;
      const email = b.email || cs.customer_email || null;
      const now = ctx.nowForCustomer(customer);
      if (!customer) {
        customer = newId('cus');
        ctx.store.put({ ...emptyCustomer(ctx, customer, now), email });
        ctx.emit('customer.created', ctx.store.raw(customer) as object);
      }
      const pm = createCardPaymentMethod(ctx, { number, ...parseExpiry(b.card_expiry) }, now);
      attachPaymentMethod(ctx, pm.id, customer);
      cs.customer = customer;
      cs.customer_details = { address: null, business_name: null, email, individual_name: null, name: null, phone: null, tax_exempt: 'none', tax_ids: [] };
      let pi: Stripe.PaymentIntent;
      if (cs.mode === 'subscription') {
        const sd = ctx.store.meta<{ subscriptionData: Record<string, never> }>(cs.id).subscriptionData ?? {};
        const sub = createSubscription(ctx, {
          ...sd,
          customer,
          items: lineItemsOf(ctx, cs).map((li) => ({ price: li.price, quantity: String(li.quantity) })),
          default_payment_method: pm.id,
          payment_behavior: 'default_incomplete',
          payment_settings: { save_default_payment_method: 'on_subscription' },
        });
        cs.subscription = sub.id;
        const inv = getInvoice(ctx, sub.latest_invoice as string);
        cs.invoice = inv.id;
        ctx.store.put(cs);
        const piId = ctx.store.meta<InvoiceMeta>(inv.id).paymentIntent;
        if (!piId) return completeCheckout(cs, res); // nothing to pay (trial or 100% off)
        pi = ctx.store.must<Stripe.PaymentIntent>('payment_intent', piId);
      } else {
        pi = ctx.store.must<Stripe.PaymentIntent>('payment_intent', createCheckoutPaymentIntent(ctx, cs, customer, now));
        cs.payment_intent = pi.id;
        ctx.store.put(cs);
      }
      const returnUrl = `${ctx.config.baseUrl}/checkout/${cs.id}/complete`;
      confirmPaymentIntent(ctx, pi, { paymentMethod: pm.id, offSession: false, returnUrl, now });
      if (pi.status === 'succeeded') return completeCheckout(cs, res);
      if (pi.status === 'requires_action' && pi.next_action?.redirect_to_url?.url) return res.redirect(303, pi.next_action.redirect_to_url.url);
      html(res, checkoutPage(cs, pi.last_payment_error?.message ?? 'Your card was declined.'), 402);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      html(res, checkoutPage(cs, err.message), err.status);
    }
  });

  pages.get('/checkout/:id/complete', (req, res) => {
    const cs = ctx.store.get<CheckoutSession>('checkout.session', req.params.id);
    if (!cs) return html(res, messagePage('Checkout', 'Unknown checkout session.'), 404);
    if (cs.status === 'complete') return res.redirect(303, (cs.success_url ?? '/').replace('{CHECKOUT_SESSION_ID}', cs.id));
    if (req.query.redirect_status === 'succeeded') return completeCheckout(cs, res);
    html(res, checkoutPage(cs, 'We are unable to authenticate your payment method. Please choose a different payment method and try again.'), 402);
  });

  // 3-D Secure page for `next_action.redirect_to_url`.
  pages.get('/sandbox/authenticate/:pi', (req, res) => {
    const pi = ctx.store.get<Stripe.PaymentIntent>('payment_intent', req.params.pi);
    if (!pi || pi.client_secret !== req.query.client_secret) return html(res, messagePage('Authentication', 'Unknown payment.'), 404);
    html(res, authenticationPage({ action: req.originalUrl, amount: money(pi.amount, pi.currency) }));
  });
  pages.post('/sandbox/authenticate/:pi', form, (req, res) => {
    const pi = ctx.store.get<Stripe.PaymentIntent>('payment_intent', req.params.pi);
    if (!pi || pi.client_secret !== req.query.client_secret) return html(res, messagePage('Authentication', 'Unknown payment.'), 404);
    if (pi.status === 'requires_action') authenticatePaymentIntent(ctx, pi, (req.body as { outcome?: string }).outcome === 'succeed');
    const returnUrl = typeof req.query.return_url === 'string' ? req.query.return_url : null;
    if (!returnUrl) return html(res, messagePage('Authentication', pi.status === 'succeeded' ? 'Authentication complete. You can close this window.' : 'Authentication failed.'));
    res.redirect(303, withQuery(returnUrl, {
      payment_intent: pi.id,
      payment_intent_client_secret: pi.client_secret ?? '',
      redirect_status: pi.status === 'succeeded' ? 'succeeded' : 'failed',
    }));
  });

  pages.get('/invoices/:id', (req, res) => {
    const inv = ctx.store.get<InvoiceObj>('invoice', req.params.id);
    if (!inv) return html(res, messagePage('Invoice', 'Unknown invoice.'), 404);
    const rows = inv.lines.data.map((l) => `<tr><td>${esc(l.description)}</td><td>${esc(money(l.amount, inv.currency))}</td></tr>`).join('');
    html(res, layout(`Invoice ${inv.number ?? inv.id}`, `<h1>Invoice ${esc(inv.number ?? inv.id)}</h1><p>Status: <strong>${esc(inv.status)}</strong></p><table>${rows}<tr><td><strong>Amount due</strong></td><td><strong>${esc(money(inv.amount_due, inv.currency))}</strong></td></tr></table>`));
  });

  registerPortalPages(pages, ctx, form, html);
}

function emptyCustomer(ctx: Ctx, id: string, now: number): Stripe.Customer {
  return {
    id, object: 'customer', address: null, balance: 0, created: now, currency: null, customer_account: null, default_source: null,
    delinquent: false, description: null, discount: null, email: null, invoice_prefix: id.slice(4, 12).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false, metadata: {}, name: null, next_invoice_sequence: 1, phone: null, preferred_locales: [], shipping: null,
    tax_exempt: 'none', test_clock: null,
  };
}

function createCheckoutPaymentIntent(ctx: Ctx, cs: CheckoutSession, customer: string, now: number): string {
  return createPaymentIntent(ctx, { amount: cs.amount_total ?? 0, currency: cs.currency ?? 'usd', customer, description: null, setupFutureUsage: null, now }).id;
}
