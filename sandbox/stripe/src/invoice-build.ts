/** Building an invoice object from lines, discounts and the customer's balance (not stored here). */
import type Stripe from 'stripe';
import { Ctx } from './context';
import { couponOf, discountAmount } from './coupons';
import { getCustomer } from './customers';
import { newId } from './ids';
import type { InvoiceObj } from './invoices';
import type { SubscriptionObj } from './subscriptions';

export interface LineSpec {
  amount: number;
  description: string;
  price?: Stripe.Price;
  quantity: number;
  period: { start: number; end: number };
  proration: boolean;
  subscriptionItem?: string;
  invoiceItem?: string;
}

/** An invoice object (not stored), totals computed from lines, discounts and the customer's balance. */
export function buildInvoice(
  ctx: Ctx,
  o: {
    id?: string;
    customer: string;
    subscription: SubscriptionObj | null;
    billingReason: Stripe.Invoice.BillingReason;
    lines: LineSpec[];
    now: number;
    periodStart: number;
    periodEnd: number;
    discounts: string[];
  },
): InvoiceObj {
  const customer = getCustomer(ctx, o.customer);
  const id = o.id ?? newId('in');
  const sub = o.subscription;
  const currency = o.lines[0]?.price?.currency ?? sub?.currency ?? 'usd';
  const activeDiscounts = o.discounts
    .map((d) => ctx.store.get<Stripe.Discount>('discount', d))
    .filter((d): d is Stripe.Discount => !!d && (d.end === null || d.end > o.now));
  const totalDiscounts = new Map<string, number>();
  const lines: Stripe.InvoiceLineItem[] = o.lines.map((l) => {
    let remaining = l.amount;
    const discountAmounts: Stripe.InvoiceLineItem.DiscountAmount[] = [];
    for (const d of activeDiscounts) {
      const coupon = couponOf(ctx, d);
      const amount = coupon ? discountAmount(coupon, remaining) : 0;
      remaining -= amount;
      discountAmounts.push({ amount, discount: d.id });
      totalDiscounts.set(d.id, (totalDiscounts.get(d.id) ?? 0) + amount);
    }
    const price = l.price;
    return {
      id: newId('il'),
      object: 'line_item',
      amount: l.amount,
      currency,
      description: l.description,
      discount_amounts: discountAmounts,
      discountable: true,
      discounts: [],
      invoice: id,
      livemode: false,
      metadata: {},
      parent: sub
        ? {
            type: 'subscription_item_details',
            invoice_item_details: null,
            subscription_item_details: {
              invoice_item: l.invoiceItem ?? null,
              proration: l.proration,
              proration_details: { credited_items: null },
              subscription: sub.id,
              subscription_item: l.subscriptionItem ?? '',
            },
          }
        : null,
      period: l.period,
      pretax_credit_amounts: [],
      pricing: price
        ? {
            type: 'price_details',
            price_details: { price: price.id, product: price.product as string },
            unit_amount_decimal: price.unit_amount_decimal,
          }
        : null,
      quantity: l.quantity,
      quantity_decimal: null,
      subscription: sub?.id ?? null,
      subtotal: l.amount,
      taxes: [],
    };
  });
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  const discountTotal = [...totalDiscounts.values()].reduce((s, a) => s + a, 0);
  const total = subtotal - discountTotal;
  const starting = customer.balance;
  const due = Math.max(0, total + starting);
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Crossbill (Stripe sandbox)',
    account_tax_ids: null,
    amount_due: due,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: due,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: o.billingReason,
    collection_method: sub?.collection_method ?? 'charge_automatically',
    created: o.now,
    currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address,
    customer_email: customer.email,
    customer_name: customer.name,
    customer_phone: customer.phone,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: activeDiscounts.map((d) => d.id),
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: sub
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: { metadata: sub.metadata, subscription: sub.id },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: o.periodEnd,
    period_start: o.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: starting,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: sub?.id ?? null,
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: customer.test_clock,
    total,
    total_discount_amounts: [...totalDiscounts].map(([discount, amount]) => ({ amount, discount })),
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: o.now,
  };
}

