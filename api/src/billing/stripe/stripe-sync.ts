import type Stripe from 'stripe';
import type { DataSource, EntityManager } from 'typeorm';
import type { InboxEventEntity } from '../../platform/inbox/inbox-event.entity';
import type { Logger } from '../../platform/logger';
import { StoreSubscriptionEntity } from '../store-subscription.entity';
import { upsertStoreSubscription } from '../store-subscription.repository';
import { StripeCustomerEntity } from './stripe-customer.entity';
import { stripeSubscriptionState } from './stripe-subscription-state';

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  typeof value === 'string' ? value : (value?.id ?? null);

/** The subscription an invoice belongs to, wherever the API version puts it. */
export function invoiceSubscriptionId(invoice: Stripe.Invoice): string | null {
  const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
  return idOf(invoice.parent?.subscription_details?.subscription) ?? idOf(legacy);
}

/**
 * Keeps `store_subscription` true to Stripe. Every webhook re-fetches the subscription from
 * Stripe instead of trusting the event's copy, so the order events arrive in cannot matter;
 * and a write only lands if what we fetched is at least as new as what we hold
 * (`last_event_at` = when the fetch started), so a slow, older fetch never overwrites a newer one.
 */
const DISCOUNT_EXPAND = ['discounts.source.coupon'];

export class StripeSync {
  constructor(
    private readonly dataSource: DataSource,
    private readonly stripe: Stripe,
    private readonly options: { gracePeriodDays: number },
    private readonly log: Logger,
  ) {}

  /** Fetches the subscription from Stripe and stores it. Null when its customer is not one of ours. */
  async syncSubscription(subscriptionId: string, manager: EntityManager = this.dataSource.manager): Promise<StoreSubscriptionEntity | null> {
    const fetchedAt = new Date();
    const subscription = await this.stripe.subscriptions.retrieve(subscriptionId, { expand: DISCOUNT_EXPAND });
    return this.store(subscription, fetchedAt, manager);
  }

  /** Stores a subscription object just returned by Stripe (create/update responses). */
  async store(subscription: Stripe.Subscription, fetchedAt: Date, manager: EntityManager = this.dataSource.manager): Promise<StoreSubscriptionEntity | null> {
    // Create/update responses name discounts by id only; the stored copy needs the coupon
    // (Subscription.discount reads it), so fetch the subscription expanded.
    if (subscription.discounts?.some((d) => typeof d === 'string')) {
      subscription = await this.stripe.subscriptions.retrieve(subscription.id, { expand: DISCOUNT_EXPAND });
    }
    const customerId = idOf(subscription.customer);
    const customer = customerId ? await manager.findOneBy(StripeCustomerEntity, { customerId }) : null;
    if (!customer) {
      this.log.warn({ subscriptionId: subscription.id, customerId }, 'Stripe subscription of an unknown customer; ignored');
      return null;
    }
    const previous = await manager.findOneBy(StoreSubscriptionEntity, { store: 'stripe', storeId: subscription.id });
    const state = stripeSubscriptionState(subscription, {
      gracePeriodDays: this.options.gracePeriodDays,
      now: fetchedAt,
      previousStatus: previous?.status,
    });
    return upsertStoreSubscription(manager, {
      store: 'stripe',
      storeId: subscription.id,
      userId: customer.userId,
      ...state,
      environment: subscription.livemode ? 'production' : 'test',
      lastEventAt: fetchedAt,
      raw: subscription,
    });
  }

  /** The inbox handler for Stripe events. */
  async handleEvent(inboxEvent: InboxEventEntity, manager: EntityManager): Promise<void> {
    const event = inboxEvent.payload as Stripe.Event;
    const object = event.data.object as unknown as Record<string, unknown> & { id: string };
    switch (event.type) {
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
      case 'customer.subscription.paused':
      case 'customer.subscription.resumed':
      case 'customer.subscription.trial_will_end':
      case 'customer.subscription.pending_update_applied':
      case 'customer.subscription.pending_update_expired':
        await this.syncSubscription(object.id, manager);
        return;
      case 'invoice.paid':
      case 'invoice.payment_succeeded':
      case 'invoice.payment_failed':
      case 'invoice.payment_action_required':
      case 'invoice.marked_uncollectible': {
        const subscriptionId = invoiceSubscriptionId(event.data.object as Stripe.Invoice);
        if (subscriptionId) await this.syncSubscription(subscriptionId, manager);
        return;
      }
      case 'checkout.session.completed': {
        const session = event.data.object as Stripe.Checkout.Session;
        const subscriptionId = idOf(session.subscription);
        if (session.mode === 'subscription' && subscriptionId) await this.syncSubscription(subscriptionId, manager);
        return;
      }
      case 'charge.refunded':
        await this.onRefund(event.data.object as Stripe.Charge, manager);
        return;
      case 'charge.dispute.created': {
        const dispute = event.data.object as Stripe.Dispute;
        this.log.warn({ disputeId: dispute.id, charge: idOf(dispute.charge), reason: dispute.reason }, 'Stripe dispute opened');
        return;
      }
      default:
        this.log.debug({ type: event.type }, 'Stripe event not used');
    }
  }

  /**
   * A fully refunded subscription payment takes the access back: the subscription is ended
   * in Stripe at once and marked revoked here (it stays revoked whatever Stripe says later).
   * Partial refunds (goodwill, proration) change nothing.
   */
  private async onRefund(charge: Stripe.Charge, manager: EntityManager): Promise<void> {
    if (!charge.refunded) return;
    const paymentIntentId = idOf(charge.payment_intent);
    const customerId = idOf(charge.customer);
    if (!paymentIntentId || !customerId) return;
    const invoices = await this.stripe.invoices.list({ customer: customerId, limit: 24, expand: ['data.payments'] });
    const invoice = invoices.data.find((i) =>
      i.payments?.data.some((p) => p.payment.type === 'payment_intent' && idOf(p.payment.payment_intent) === paymentIntentId),
    );
    const subscriptionId = invoice ? invoiceSubscriptionId(invoice) : null;
    if (!subscriptionId) return;
    const row = await manager.findOneBy(StoreSubscriptionEntity, { store: 'stripe', storeId: subscriptionId });
    if (!row) return;
    await manager.update(StoreSubscriptionEntity, row.id, { status: 'revoked', willRenew: false });
    const current = await this.stripe.subscriptions.retrieve(subscriptionId);
    if (current.status !== 'canceled' && current.status !== 'incomplete_expired') {
      await this.stripe.subscriptions.cancel(subscriptionId, { prorate: false }, { idempotencyKey: `crossbill-revoke-${charge.id}` });
    }
    await this.syncSubscription(subscriptionId, manager);
    this.log.info({ subscriptionId, chargeId: charge.id }, 'subscription revoked after a full refund');
  }
}
