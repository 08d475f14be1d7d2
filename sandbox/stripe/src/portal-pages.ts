/** The billing portal page: cancel at period end / resume, pay an open invoice, update the card. */
import express from 'express';
import type Stripe from 'stripe';
import { money, periodOf, productName } from './billing-cycle';
import { Ctx } from './context';
import { ApiError } from './errors';
import { InvoiceObj, attemptInvoicePayment } from './invoices';
import { cardFields, esc, layout, messagePage, parseExpiry } from './pages';
import { attachPaymentMethod, createCardPaymentMethod } from './payment-methods';
import { getPrice } from './products-prices';
import { SubscriptionObj, emitSubscriptionUpdate, getSubscription } from './subscriptions';

export function registerPortalPages(
  pages: express.Router,
  ctx: Ctx,
  form: express.RequestHandler,
  html: (res: express.Response, body: string, status?: number) => void,
): void {
  const session = (id: string) => ctx.store.get<Stripe.BillingPortal.Session>('billing_portal.session', id);
  const live = (customer: string) =>
    ctx.store.all<SubscriptionObj>('subscription').filter((s) => s.customer === customer && !['canceled', 'incomplete_expired'].includes(s.status));

  function portalPage(bps: Stripe.BillingPortal.Session, error?: string): string {
    const subs = live(bps.customer)
      .map((s) => {
        const item = s.items.data[0];
        const price = item ? getPrice(ctx, item.price.id) : null;
        const end = new Date(periodOf(s).end * 1000).toISOString().slice(0, 10);
        const open = ctx.store.all<InvoiceObj>('invoice').find((i) => i.subscription === s.id && i.status === 'open' && s.status !== 'incomplete');
        return `<div class="card" data-subscription="${esc(s.id)}">
<h2>${esc(price ? productName(ctx, price) : s.id)}</h2>
<p>${price ? esc(`${money(price.unit_amount ?? 0, price.currency)} / ${price.recurring?.interval}`) : ''} · Status: <strong>${esc(s.status)}</strong></p>
<p>${s.cancel_at_period_end ? `Cancels on ${esc(end)}` : `Renews on ${esc(end)}`}</p>
<form method="post" action="/portal/${esc(bps.id)}/subscriptions/${esc(s.id)}/${s.cancel_at_period_end ? 'resume' : 'cancel'}">
<button type="submit">${s.cancel_at_period_end ? 'Resume subscription' : 'Cancel at period end'}</button></form>
${open ? `<form method="post" action="/portal/${esc(bps.id)}/invoices/${esc(open.id)}/pay"><button type="submit">Pay open invoice (${esc(money(open.amount_due, open.currency))})</button></form>` : ''}
</div>`;
      })
      .join('');
    return layout(
      'Billing',
      `<h1>Billing</h1>${subs || '<p>No active subscriptions.</p>'}
<div class="card"><h2>Payment method</h2>
<form method="post" action="/portal/${esc(bps.id)}/payment_method">${cardFields({})}<button type="submit">Update payment method</button></form></div>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
${bps.return_url ? `<p><a href="${esc(bps.return_url)}">Return to Crossbill</a></p>` : ''}`,
    );
  }

  pages.get('/portal/:id', (req, res) => {
    const bps = session(req.params.id);
    if (!bps) return html(res, messagePage('Billing', 'This portal session is no longer available.'), 404);
    html(res, portalPage(bps));
  });
  pages.post('/portal/:id/subscriptions/:sub/:action', (req, res) => {
    const bps = session(req.params.id);
    const sub = bps ? ctx.store.get<SubscriptionObj>('subscription', req.params.sub) : undefined;
    if (!bps || !sub || sub.customer !== bps.customer) return html(res, messagePage('Billing', 'Unknown subscription.'), 404);
    const before = ctx.render<SubscriptionObj>(sub);
    const now = ctx.nowForCustomer(bps.customer);
    if (req.params.action === 'cancel') {
      sub.cancel_at_period_end = true;
      sub.cancel_at = periodOf(sub).end;
      sub.canceled_at = now;
      sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: 'cancellation_requested' };
    } else {
      sub.cancel_at_period_end = false;
      sub.cancel_at = null;
      sub.canceled_at = null;
      sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: null };
    }
    ctx.store.put(sub);
    emitSubscriptionUpdate(ctx, before, getSubscription(ctx, sub.id));
    res.redirect(303, `/portal/${bps.id}`);
  });
  pages.post('/portal/:id/payment_method', form, (req, res) => {
    const bps = session(String(req.params.id));
    if (!bps) return html(res, messagePage('Billing', 'Unknown session.'), 404);
    const b = req.body as Record<string, string | undefined>;
    try {
      const now = ctx.nowForCustomer(bps.customer);
      const pm = createCardPaymentMethod(ctx, { number: b.card_number ?? '', ...parseExpiry(b.card_expiry) }, now);
      attachPaymentMethod(ctx, pm.id, bps.customer);
      const c = ctx.store.must<Stripe.Customer>('customer', bps.customer);
      const prev = { invoice_settings: { ...c.invoice_settings } };
      c.invoice_settings.default_payment_method = pm.id;
      ctx.store.put(c);
      ctx.emit('customer.updated', c, prev);
      for (const s of live(bps.customer)) {
        const before = ctx.render<SubscriptionObj>(s);
        s.default_payment_method = pm.id;
        ctx.store.put(s);
        emitSubscriptionUpdate(ctx, before, s);
      }
      res.redirect(303, `/portal/${bps.id}`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      html(res, portalPage(bps, err.message), err.status);
    }
  });
  pages.post('/portal/:id/invoices/:inv/pay', (req, res) => {
    const bps = session(req.params.id);
    const inv = ctx.store.get<InvoiceObj>('invoice', req.params.inv);
    if (!bps || !inv || inv.customer !== bps.customer) return html(res, messagePage('Billing', 'Unknown invoice.'), 404);
    try {
      attemptInvoicePayment(ctx, inv, { now: ctx.nowForCustomer(bps.customer), manual: true });
      res.redirect(303, `/portal/${bps.id}`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      html(res, portalPage(bps, err.message), err.status);
    }
  });
}
