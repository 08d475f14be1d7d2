import Stripe from 'stripe';
import type { DataSource, EntityManager } from 'typeorm';
import type { UserEntity } from '../../accounts/user.entity';
import { AppError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { planByKey, type PlanDefinition } from '../plans';
import type { StoreSubscriptionEntity } from '../store-subscription.entity';
import type { SubscriptionsService } from '../subscriptions.service';
import { StripeCustomerEntity } from './stripe-customer.entity';
import type { StripeSync } from './stripe-sync';

export interface CreatedSubscription {
  subscription: StoreSubscriptionEntity;
  clientSecret: string | null;
  publishableKey: string;
}

const PRICE_CACHE_MS = 5 * 60_000;

function addInterval(from: Date, interval: PlanDefinition['interval']): Date {
  const next = new Date(from);
  if (interval === 'year') next.setUTCFullYear(next.getUTCFullYear() + 1);
  else next.setUTCMonth(next.getUTCMonth() + 1);
  return next;
}

/** Stripe failures become coded errors; Stripe's own messages never reach clients. */
async function callStripe<T>(log: Logger, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof Stripe.errors.StripeCardError) throw new AppError('PAYMENT_FAILED', undefined, { cause: error });
    if (error instanceof Stripe.errors.StripeError) {
      log.error({ err: error, stripeCode: error.code, requestId: error.requestId }, 'Stripe call failed');
      throw new AppError('BILLING_UNAVAILABLE', undefined, { cause: error });
    }
    throw error;
  }
}

/** Web payments through Stripe: customers, subscriptions, Checkout, portal, plan changes. */
export class StripeBillingService {
  private readonly prices = new Map<string, { price: Stripe.Price; at: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly stripe: Stripe,
    private readonly sync: StripeSync,
    private readonly subscriptions: SubscriptionsService,
    private readonly options: { publishableKey: string; publicWebUrl: string },
    private readonly log: Logger,
  ) {}

  /**
   * Starts (or returns the pending) Stripe subscription for the pay page. Serialised per user
   * with an advisory lock, so double clicks and two tabs never create two subscriptions.
   */
  async createSubscription(user: UserEntity, planKey: string): Promise<CreatedSubscription> {
    const plan = this.plan(planKey);
    return callStripe(this.log, () =>
      this.dataSource.transaction(async (manager) => {
        await this.lockUser(manager, user.id);
        await this.subscriptions.assertNoLiveSubscription(user.id, manager);
        const customerId = await this.ensureCustomer(manager, user);
        const price = await this.price(plan);
        let subscription = await this.cancelAbandonedAttempts(manager, customerId, price.id);
        const fetchedAt = new Date();
        subscription ??= await this.stripe.subscriptions.create({
          customer: customerId,
          items: [{ price: price.id }],
          payment_behavior: 'default_incomplete',
          payment_settings: { save_default_payment_method: 'on_subscription' },
          metadata: { crossbill_user_id: user.id, crossbill_plan: plan.key },
          expand: ['latest_invoice.confirmation_secret'],
        });
        const stored = await this.sync.store(subscription, fetchedAt, manager);
        if (!stored) throw new Error('a subscription Crossbill just created was not stored');
        const invoice = subscription.latest_invoice as Stripe.Invoice | null;
        return { subscription: stored, clientSecret: invoice?.confirmation_secret?.client_secret ?? null, publishableKey: this.options.publishableKey };
      }),
    );
  }

  async createCheckoutSession(user: UserEntity, planKey: string): Promise<string> {
    const plan = this.plan(planKey);
    return callStripe(this.log, async () => {
      const price = await this.price(plan);
      const customerId = await this.dataSource.transaction(async (manager) => {
        await this.lockUser(manager, user.id);
        await this.subscriptions.assertNoLiveSubscription(user.id, manager);
        const id = await this.ensureCustomer(manager, user);
        // Checkout makes its own subscription: a pay-page attempt left pending would linger.
        await this.cancelAbandonedAttempts(manager, id, null);
        return id;
      });
      const session = await this.stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: customerId,
        client_reference_id: user.id,
        line_items: [{ price: price.id, quantity: 1 }],
        subscription_data: { metadata: { crossbill_user_id: user.id, crossbill_plan: plan.key } },
        success_url: `${this.options.publicWebUrl}/subscribe/return?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${this.options.publicWebUrl}/pricing`,
      });
      if (!session.url) throw new AppError('BILLING_UNAVAILABLE');
      return session.url;
    });
  }

  async createBillingPortalSession(user: UserEntity): Promise<string> {
    return callStripe(this.log, async () => {
      const customerId = await this.dataSource.transaction((manager) => this.ensureCustomer(manager, user));
      const session = await this.stripe.billingPortal.sessions.create({ customer: customerId, return_url: `${this.options.publicWebUrl}/account` });
      return session.url;
    });
  }

  /** Re-reads the caller's subscription from Stripe (the return page, restore). */
  async refresh(user: UserEntity, id: string): Promise<StoreSubscriptionEntity> {
    const row = await this.subscriptions.findOwned(user.id, id);
    if (row.store !== 'stripe') return row;
    return callStripe(this.log, async () => (await this.sync.syncSubscription(row.storeId)) ?? row);
  }

  async previewPlanChange(user: UserEntity, id: string, planKey: string) {
    const { row, plan, item, price } = await this.planChange(user, id, planKey);
    return callStripe(this.log, async () => {
      const preview = await this.stripe.invoices.createPreview({
        customer: this.customerOf(row),
        subscription: row.storeId,
        subscription_details: { items: [{ id: item.id, price: price.id }], proration_behavior: 'always_invoice' },
      });
      // Stripe restarts the billing cycle when the interval changes; otherwise it keeps the date.
      const currentInterval = item.price.recurring?.interval;
      const nextBillingAt =
        currentInterval && currentInterval !== plan.interval ? addInterval(new Date(), plan.interval) : row.currentPeriodEnd;
      return { amountDue: preview.amount_due, currency: preview.currency, nextAmount: plan.amount, nextBillingAt };
    });
  }

  async changePlan(user: UserEntity, id: string, planKey: string): Promise<StoreSubscriptionEntity> {
    const { row, item, price } = await this.planChange(user, id, planKey);
    return callStripe(this.log, async () => {
      const fetchedAt = new Date();
      const updated = await this.stripe.subscriptions.update(row.storeId, {
        items: [{ id: item.id, price: price.id }],
        proration_behavior: 'always_invoice',
        // A failed proration payment leaves the old plan in place instead of a half-paid switch.
        payment_behavior: 'pending_if_incomplete',
      });
      return (await this.sync.store(updated, fetchedAt)) ?? row;
    });
  }

  cancelAtPeriodEnd(user: UserEntity, id: string): Promise<StoreSubscriptionEntity> {
    return this.updateFlags(user, id, { cancel_at_period_end: true });
  }

  resume(user: UserEntity, id: string): Promise<StoreSubscriptionEntity> {
    return this.updateFlags(user, id, { cancel_at_period_end: false });
  }

  /** Payment method and recent invoices for the account page; null without a Stripe customer. */
  async billingDetails(user: UserEntity) {
    const customer = await this.dataSource.getRepository(StripeCustomerEntity).findOneBy({ userId: user.id });
    if (!customer) return null;
    return callStripe(this.log, async () => {
      const [stripeCustomer, invoices, subscriptions] = await Promise.all([
        this.stripe.customers.retrieve(customer.customerId, { expand: ['invoice_settings.default_payment_method'] }),
        this.stripe.invoices.list({ customer: customer.customerId, limit: 12 }),
        this.stripe.subscriptions.list({ customer: customer.customerId, limit: 5, expand: ['data.default_payment_method'] }),
      ]);
      const fromCustomer = stripeCustomer.deleted ? null : stripeCustomer.invoice_settings?.default_payment_method;
      const fromSubscription = subscriptions.data.map((s) => s.default_payment_method).find((pm) => pm && typeof pm !== 'string');
      const method = (typeof fromCustomer === 'object' && fromCustomer) || (fromSubscription as Stripe.PaymentMethod | undefined) || null;
      return {
        defaultPaymentMethod: method?.card
          ? { brand: method.card.brand, last4: method.card.last4, expMonth: method.card.exp_month, expYear: method.card.exp_year }
          : null,
        invoices: invoices.data
          .filter((i) => i.status !== 'draft')
          .map((i) => ({
            id: i.id!,
            number: i.number,
            status: i.status ?? 'unknown',
            amountDue: i.amount_due,
            amountPaid: i.amount_paid,
            currency: i.currency,
            createdAt: new Date(i.created * 1000),
            hostedInvoiceUrl: i.hosted_invoice_url ?? null,
          })),
      };
    });
  }

  /** The user's one Stripe customer: created once (idempotency key on the user id), then reused. */
  async ensureCustomer(manager: EntityManager, user: UserEntity): Promise<string> {
    const existing = await manager.findOneBy(StripeCustomerEntity, { userId: user.id });
    if (existing) return existing.customerId;
    const customer = await this.stripe.customers.create(
      { email: user.email, name: user.name, metadata: { crossbill_user_id: user.id } },
      { idempotencyKey: `crossbill-customer-${user.id}` },
    );
    // A concurrent call got the same customer (same idempotency key); keep whichever row landed.
    await manager.createQueryBuilder().insert().into(StripeCustomerEntity).values({ userId: user.id, customerId: customer.id }).orIgnore().execute();
    return (await manager.findOneByOrFail(StripeCustomerEntity, { userId: user.id })).customerId;
  }

  /**
   * Cancels the customer's pending (incomplete) subscriptions except one for `keepPriceId`,
   * which it returns (with its first payment's client secret). Asking Stripe, not only our
   * table, also finds one whose creation we never recorded.
   */
  private async cancelAbandonedAttempts(manager: EntityManager, customerId: string, keepPriceId: string | null): Promise<Stripe.Subscription | undefined> {
    const pending = await this.stripe.subscriptions.list({ customer: customerId, status: 'incomplete', expand: ['data.latest_invoice.confirmation_secret'] });
    const keep = keepPriceId ? pending.data.find((s) => s.items.data[0]?.price.id === keepPriceId) : undefined;
    for (const abandoned of pending.data.filter((s) => s !== keep)) {
      await this.stripe.subscriptions.cancel(abandoned.id);
      await this.sync.syncSubscription(abandoned.id, manager);
    }
    return keep;
  }

  private async updateFlags(user: UserEntity, id: string, params: Stripe.SubscriptionUpdateParams): Promise<StoreSubscriptionEntity> {
    const row = await this.subscriptions.findOwned(user.id, id);
    if (row.store !== 'stripe') throw new AppError('BAD_USER_INPUT', 'Manage this subscription in the store it was bought from.');
    return callStripe(this.log, async () => {
      // Judge by Stripe's current state, not our copy: the webhook of a payment made a moment
      // ago may not have arrived yet.
      const current = (await this.sync.syncSubscription(row.storeId)) ?? row;
      if (!['active', 'trialing', 'in_grace_period', 'in_billing_retry', 'paused'].includes(current.status)) {
        throw new AppError('BAD_USER_INPUT', 'This subscription is not active.');
      }
      const fetchedAt = new Date();
      const updated = await this.stripe.subscriptions.update(row.storeId, params);
      return (await this.sync.store(updated, fetchedAt)) ?? row;
    });
  }

  private async planChange(user: UserEntity, id: string, planKey: string) {
    const plan = this.plan(planKey);
    const owned = await this.subscriptions.findOwned(user.id, id);
    if (owned.store !== 'stripe') throw new AppError('BAD_USER_INPUT', 'Change this subscription in the store it was bought from.');
    const row = (await callStripe(this.log, () => this.sync.syncSubscription(owned.storeId))) ?? owned;
    if (!['active', 'trialing'].includes(row.status)) throw new AppError('BAD_USER_INPUT', 'Only an active subscription can change plan.');
    if (row.planKey === plan.key) throw new AppError('BAD_USER_INPUT', 'You are already on this plan.', { fields: [{ field: 'planKey', message: 'Already on this plan.' }] });
    const item = (row.raw as Stripe.Subscription).items.data[0];
    if (!item) throw new AppError('BILLING_UNAVAILABLE');
    const price = await callStripe(this.log, () => this.price(plan));
    return { row, plan, item, price };
  }

  private customerOf(row: StoreSubscriptionEntity): string {
    const customer = (row.raw as Stripe.Subscription).customer;
    return typeof customer === 'string' ? customer : customer.id;
  }

  private plan(planKey: string): PlanDefinition {
    const plan = planByKey(planKey);
    if (!plan) throw new AppError('BAD_USER_INPUT', 'There is no such plan.', { fields: [{ field: 'planKey', message: 'Unknown plan.' }] });
    return plan;
  }

  /** The plan's active Stripe price, found by lookup key (what `npm run stripe:sync` creates). */
  private async price(plan: PlanDefinition): Promise<Stripe.Price> {
    const cached = this.prices.get(plan.key);
    if (cached && Date.now() - cached.at < PRICE_CACHE_MS) return cached.price;
    const found = await this.stripe.prices.list({ lookup_keys: [plan.stripeLookupKey], active: true, limit: 1 });
    const price = found.data[0];
    if (!price) {
      this.log.error({ lookupKey: plan.stripeLookupKey }, 'no Stripe price for the plan: run `npm run stripe:sync`');
      throw new AppError('BILLING_UNAVAILABLE');
    }
    this.prices.set(plan.key, { price, at: Date.now() });
    return price;
  }

  private async lockUser(manager: EntityManager, userId: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('stripe-subscribe:' || $1, 0))`, [userId]);
  }
}
