/** Charges (created by payment intents), refunds, and disputes (raised by a test helper). */
import type Stripe from 'stripe';
import { Ctx } from './context';
import { ApiError } from './errors';
import { int, mergeMetadata, str } from './form';
import { Api } from './http';
import { newId } from './ids';
import { paginate } from './store';

export function createCharge(
  ctx: Ctx,
  pi: Stripe.PaymentIntent,
  pm: Stripe.PaymentMethod,
  now: number,
  failure: { code: string; declineCode: string; message: string } | null,
): Stripe.Charge {
  const card = pm.card;
  const charge: Stripe.Charge = {
    id: newId('ch'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: failure ? 0 : pi.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: failure ? null : newId('txn'),
    billing_details: pm.billing_details,
    calculated_statement_descriptor: 'CROSSBILL',
    captured: !failure,
    created: now,
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure ? failure.code : null,
    failure_message: failure ? failure.message : null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: failure
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'declined_by_network',
          reason: failure.declineCode,
          risk_level: 'normal',
          seller_message: 'The bank did not return any further details with this decline.',
          type: 'issuer_declined',
        }
      : {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: !failure,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: {
      type: 'card',
      card: card
        ? {
            amount_authorized: failure ? null : pi.amount,
            authorization_code: null,
            electronic_commerce_indicator: null,
            brand: card.brand,
            checks: card.checks,
            country: card.country,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            extended_authorization: { status: 'disabled' },
            fingerprint: card.fingerprint ?? null,
            funding: card.funding,
            incremental_authorization: { status: 'unavailable' },
            installments: null,
            last4: card.last4,
            mandate: null,
            multicapture: { status: 'unavailable' },
            network: card.brand,
            network_token: { used: false },
            network_transaction_id: null,
            overcapture: { maximum_amount_capturable: pi.amount, status: 'unavailable' },
            regulated_status: 'unregulated',
            three_d_secure: null,
            transaction_link_id: null,
            wallet: null,
          }
        : undefined,
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: failure ? 'failed' : 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
  return ctx.store.put(charge);
}

export function createDispute(ctx: Ctx, charge: Stripe.Charge, o: { reason?: string; amount?: number; now: number }): Stripe.Dispute {
  if (charge.status !== 'succeeded') throw ApiError.invalid('Only succeeded charges can be disputed.', 'charge');
  const card = charge.payment_method_details?.card;
  const dispute: Stripe.Dispute = {
    id: newId('dp'),
    object: 'dispute',
    amount: o.amount ?? charge.amount - charge.amount_refunded,
    balance_transactions: [],
    charge: charge.id,
    created: o.now,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    intended_submission_method: null,
    evidence: {
      access_activity_log: null,
      billing_address: null,
      cancellation_policy: null,
      cancellation_policy_disclosure: null,
      cancellation_rebuttal: null,
      customer_communication: null,
      customer_email_address: null,
      customer_name: null,
      customer_purchase_ip: null,
      customer_signature: null,
      duplicate_charge_documentation: null,
      duplicate_charge_explanation: null,
      duplicate_charge_id: null,
      enhanced_evidence: {},
      product_description: null,
      receipt: null,
      refund_policy: null,
      refund_policy_disclosure: null,
      refund_refusal_explanation: null,
      service_date: null,
      service_documentation: null,
      shipping_address: null,
      shipping_carrier: null,
      shipping_date: null,
      shipping_documentation: null,
      shipping_tracking_number: null,
      uncategorized_file: null,
      uncategorized_text: null,
    },
    evidence_details: {
      due_by: o.now + 14 * 86400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method_details: {
      type: 'card',
      card: { brand: card?.brand ?? 'visa', case_type: 'chargeback', network: card?.brand ?? 'visa', network_reason_code: '10.4' },
    },
    reason: o.reason ?? 'fraudulent',
    status: 'needs_response',
  };
  ctx.store.put(dispute);
  charge.disputed = true;
  ctx.store.put(charge);
  ctx.emit('charge.dispute.created', dispute);
  return dispute;
}

export function registerCharges(api: Api, ctx: Ctx): void {
  ctx.registerRenderer('charge', (c) => {
    const refunds = ctx.store.all<Stripe.Refund>('refund').filter((r) => r.charge === c.id);
    c.refunds = { object: 'list', data: refunds.map((r) => ctx.render(r)), has_more: false, url: `/v1/charges/${c.id}/refunds` };
    return c;
  });

  api.get('/v1/charges/:id', ({ path, expand }) => ctx.render(ctx.store.must('charge', path.id as string, 'charge'), expand));
  api.get('/v1/charges', ({ params, expand }) => {
    const customer = str(params.customer, 'customer');
    const pi = str(params.payment_intent, 'payment_intent');
    const items = ctx.store
      .all<Stripe.Charge>('charge')
      .filter((c) => (!customer || c.customer === customer) && (!pi || c.payment_intent === pi));
    return ctx.renderList(paginate(items, params, '/v1/charges'), expand);
  });

  api.post('/v1/refunds', ({ params, expand }) => {
    let chargeId = str(params.charge, 'charge');
    const piId = str(params.payment_intent, 'payment_intent');
    if (!chargeId && piId) {
      const pi = ctx.store.must<Stripe.PaymentIntent>('payment_intent', piId, 'payment_intent', 'payment_intent');
      if (pi.status !== 'succeeded' || typeof pi.latest_charge !== 'string') {
        throw ApiError.invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'payment_intent');
      }
      chargeId = pi.latest_charge;
    }
    if (!chargeId) throw ApiError.invalid('One of the following params should be provided for this request: payment_intent or charge.');
    const charge = ctx.store.must<Stripe.Charge>('charge', chargeId, 'charge', 'charge');
    const remaining = charge.amount_captured - charge.amount_refunded;
    const amount = int(params.amount, 'amount') ?? remaining;
    if (remaining <= 0) throw ApiError.invalid(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
    if (amount <= 0 || amount > remaining) {
      throw ApiError.invalid(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        'amount',
        'amount_too_large',
      );
    }
    const now = ctx.nowForCustomer(typeof charge.customer === 'string' ? charge.customer : null);
    const refund: Stripe.Refund = {
      id: newId('re'),
      object: 'refund',
      amount,
      balance_transaction: newId('txn'),
      charge: charge.id,
      created: now,
      currency: charge.currency,
      customer: charge.customer as string | null,
      customer_account: null,
      destination_details: { type: 'card', card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' } },
      metadata: mergeMetadata({}, params.metadata),
      payment_intent: charge.payment_intent,
      payment_method: charge.payment_method,
      reason: (str(params.reason, 'reason') as Stripe.Refund.Reason | undefined) ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    ctx.store.put(refund);
    const prev = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount_captured;
    ctx.store.put(charge);
    ctx.emit('refund.created', refund);
    ctx.emit('charge.refunded', charge, prev);
    return ctx.render(refund, expand);
  });
  api.get('/v1/refunds/:id', ({ path, expand }) => ctx.render(ctx.store.must('refund', path.id as string, 'refund'), expand));
  api.get('/v1/refunds', ({ params, expand }) => {
    const charge = str(params.charge, 'charge');
    const pi = str(params.payment_intent, 'payment_intent');
    const items = ctx.store
      .all<Stripe.Refund>('refund')
      .filter((r) => (!charge || r.charge === charge) && (!pi || r.payment_intent === pi));
    return ctx.renderList(paginate(items, params, '/v1/refunds'), expand);
  });

  /** Sandbox test helper: open a dispute on a succeeded charge (`reason`, `amount` optional). */
  api.post('/v1/test_helpers/charges/:id/dispute', ({ path, params }) => {
    const charge = ctx.store.must<Stripe.Charge>('charge', path.id as string, 'charge');
    const now = ctx.nowForCustomer(typeof charge.customer === 'string' ? charge.customer : null);
    return ctx.render(createDispute(ctx, charge, { reason: str(params.reason, 'reason'), amount: int(params.amount, 'amount'), now }));
  });
  api.get('/v1/disputes/:id', ({ path, expand }) => ctx.render(ctx.store.must('dispute', path.id as string, 'dispute'), expand));
  api.get('/v1/disputes', ({ params, expand }) => {
    const charge = str(params.charge, 'charge');
    const items = ctx.store.all<Stripe.Dispute>('dispute').filter((d) => !charge || d.charge === charge);
    return ctx.renderList(paginate(items, params, '/v1/disputes'), expand);
  });
  api.post('/v1/disputes/:id', ({ path, params }) => {
    const d = ctx.store.must<Stripe.Dispute>('dispute', path.id as string, 'dispute');
    d.metadata = mergeMetadata(d.metadata, params.metadata);
    ctx.store.put(d);
    ctx.emit('charge.dispute.updated', d);
    return ctx.render(d);
  });
  api.post('/v1/disputes/:id/close', ({ path }) => {
    const d = ctx.store.must<Stripe.Dispute>('dispute', path.id as string, 'dispute');
    d.status = 'lost';
    ctx.store.put(d);
    ctx.emit('charge.dispute.closed', d);
    return ctx.render(d);
  });
}
