import type Stripe from 'stripe';
import type { DataSource } from 'typeorm';
import type { Viewer } from '../accounts/session.service';
import { UserEntity } from '../accounts/user.entity';
import { planByKey } from '../billing/plans';
import { StoreSubscriptionEntity } from '../billing/store-subscription.entity';
import type { StripeBillingService } from '../billing/stripe/stripe-billing.service';
import type { StripeSync } from '../billing/stripe/stripe-sync';
import type { SubscriptionsService } from '../billing/subscriptions.service';
import { APP_STORE_MANAGE_URL } from '../billing/management-url';
import { AppError } from '../platform/errors';
import { isUuid } from '../platform/validation';
import type { Logger } from '../platform/logger';
import { CancelSessionEntity } from './cancel-session.entity';
import type { CancelFlowConfig, CancelOfferConfig, CancelReasonKey } from './flow-config';
import type { FlowConfigService } from './flow-config.service';
import { CancelSessionError, mintCancelSession, verifyCancelSession, type CancelSessionPayload } from './session-token';

const LIVE_STATUSES = ['trialing', 'active', 'in_grace_period', 'in_billing_retry', 'paused'];

export interface FlowView {
  token: string;
  config: CancelFlowConfig;
  session: CancelSessionEntity;
  subscription: StoreSubscriptionEntity;
  step: 'reason' | 'offer' | 'done';
}

export interface OutcomeView {
  outcome: string;
  message: string;
  subscription: StoreSubscriptionEntity;
  appStoreOffer: string | null;
  manageUrl: string | null;
}

export interface CancelSessionStart {
  token: string;
  url: string;
  expiresAt: Date;
}

/** What a cancellation would cost per month (a yearly plan counts as a twelfth), for "revenue saved". */
function atStake(subscription: StoreSubscriptionEntity): { amountAtStake: number; currency: string } {
  const plan = subscription.planKey ? planByKey(subscription.planKey) : undefined;
  if (!plan) return { amountAtStake: 0, currency: 'usd' };
  return { amountAtStake: plan.interval === 'year' ? Math.round(plan.amount / 12) : plan.amount, currency: plan.currency };
}

/** Signs App Store promotional offers; null when no In-App Purchase key is configured. */
export type PromotionalOfferSigner = ((input: { productId: string; offerId: string; appAccountToken: string }) => Promise<string>) | null;

/**
 * The retention flow: reason → one offer → outcome, recorded. Stripe offers are executed here;
 * for the App Store (no cancellation API) the outcome is a signed promotional offer for the app
 * to present, or the App Store's manage page. Test-mode sessions record everything and change
 * nothing in any store.
 */
export class RetentionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly subscriptions: SubscriptionsService,
    private readonly stripe: { client: Stripe; sync: StripeSync; billing: StripeBillingService } | null,
    private readonly signPromotionalOffer: PromotionalOfferSigner,
    private readonly flowConfig: FlowConfigService,
    private readonly options: { secret: string; sessionTtlSeconds: number; publicWebUrl: string },
    private readonly log: Logger,
  ) {}

  async start(viewer: Viewer, subscriptionId: string, mode: 'live' | 'test'): Promise<CancelSessionStart> {
    const subscription = await this.subscriptions.findOwned(viewer.user.id, subscriptionId);
    return this.startFor(subscription, mode, { source: 'account', appId: null });
  }

  /**
   * Opens a session for a subscription whose owner the caller has already established (the
   * signed-in user, or an app's verified signature) and mints its token.
   */
  async startFor(subscription: StoreSubscriptionEntity, mode: 'live' | 'test', origin: { source: CancelSessionEntity['source']; appId: string | null }): Promise<CancelSessionStart> {
    if (subscription.store === 'promotional') throw new AppError('BAD_USER_INPUT', 'A promotional grant has nothing to cancel.');
    if (!LIVE_STATUSES.includes(subscription.status)) throw new AppError('BAD_USER_INPUT', 'This subscription is not active.');
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = new Date((now + this.options.sessionTtlSeconds) * 1000);
    const session = await this.dataSource.getRepository(CancelSessionEntity).save({
      userId: subscription.userId,
      subscriptionId: subscription.id,
      store: subscription.store as 'stripe' | 'app_store',
      mode,
      expiresAt,
      ...atStake(subscription),
      source: origin.source,
      appId: origin.appId,
      reason: null,
      comment: null,
      offer: null,
      outcome: null,
      outcomeAt: null,
    });
    const token = mintCancelSession(
      { v: 1, sid: session.id, uid: subscription.userId, sub: subscription.id, store: session.store, mode, iat: now, exp: now + this.options.sessionTtlSeconds },
      this.options.secret,
    );
    return { token, url: `${this.options.publicWebUrl}/cancel/${token}`, expiresAt };
  }

  /** Reads a session by token (completed ones too, so a page can show the outcome). */
  async view(token: string): Promise<FlowView> {
    const { payload, session } = await this.load(token);
    const subscription = await this.dataSource.getRepository(StoreSubscriptionEntity).findOneByOrFail({ id: payload.sub });
    const step = session.outcome ? 'done' : session.reason ? 'offer' : 'reason';
    const { config } = await this.flowConfig.current();
    return { token, config, session, subscription, step };
  }

  async submitReason(token: string, reason: CancelReasonKey, comment: string | null | undefined): Promise<FlowView> {
    const { session } = await this.load(token, { open: true });
    const text = comment?.trim() || null;
    if (text && text.length > 2000) throw new AppError('BAD_USER_INPUT', 'Keep it under 2000 characters.', { fields: [{ field: 'comment', message: 'Too long.' }] });
    const { config } = await this.flowConfig.current();
    const chosen = config.reasons.find((r) => r.reason === reason);
    if (!chosen) throw new AppError('BAD_USER_INPUT', 'Choose one of the reasons.', { fields: [{ field: 'reason', message: 'Not one of the choices.' }] });
    const offer = this.offerFor(session.store, chosen.offer);
    await this.dataSource.getRepository(CancelSessionEntity).update(session.id, { reason, comment: text, offer });
    return this.view(token);
  }

  async accept(token: string): Promise<OutcomeView> {
    const { session, payload } = await this.load(token, { open: true });
    const offer = session.offer as CancelOfferConfig | null;
    if (!session.reason || !offer || offer.kind === 'none') throw new AppError('BAD_USER_INPUT', 'There is no offer to accept.');
    const subscription = await this.dataSource.getRepository(StoreSubscriptionEntity).findOneByOrFail({ id: payload.sub });
    let result: Omit<OutcomeView, 'subscription'>;
    if (offer.kind === 'contact_support') {
      result = { outcome: 'contacted_support', message: 'Thanks — we’ll be in touch. Nothing about your subscription changed.', appStoreOffer: null, manageUrl: null };
    } else if (session.store === 'app_store') {
      result = await this.acceptOnAppStore(session, subscription, offer);
    } else {
      result = await this.acceptOnStripe(session, subscription, offer);
    }
    return this.finish(session, result);
  }

  async decline(token: string, cancelOptOut: boolean): Promise<OutcomeView> {
    const { session, payload } = await this.load(token, { open: true });
    const subscription = await this.dataSource.getRepository(StoreSubscriptionEntity).findOneByOrFail({ id: payload.sub });
    if (cancelOptOut) {
      return this.finish(session, { outcome: 'cancel_opted_out', message: 'Recorded. The app completes the cancellation itself.', appStoreOffer: null, manageUrl: null });
    }
    if (session.store === 'app_store') {
      return this.finish(session, {
        outcome: 'manage_in_app_store',
        message: 'Apple handles App Store cancellations: open your subscriptions in the App Store to cancel. Access continues until the paid period ends.',
        appStoreOffer: null,
        manageUrl: APP_STORE_MANAGE_URL,
      });
    }
    if (session.mode === 'live') {
      const stripe = this.requireStripe();
      await stripe.client.subscriptions.update(subscription.storeId, {
        cancel_at_period_end: true,
        cancellation_details: { feedback: (session.reason ?? 'other') as Stripe.SubscriptionUpdateParams.CancellationDetails.Feedback, comment: session.comment ?? undefined },
      });
      await stripe.sync.syncSubscription(subscription.storeId);
    }
    const until = subscription.currentPeriodEnd ? ` You keep access until ${subscription.currentPeriodEnd.toISOString().slice(0, 10)}.` : '';
    return this.finish(session, { outcome: 'canceled', message: `Your subscription is cancelled.${until}`, appStoreOffer: null, manageUrl: null });
  }

  private async acceptOnStripe(session: CancelSessionEntity, subscription: StoreSubscriptionEntity, offer: CancelOfferConfig): Promise<Omit<OutcomeView, 'subscription'>> {
    const stripe = this.requireStripe();
    const live = session.mode === 'live';
    switch (offer.kind) {
      case 'discount': {
        if (live) {
          const couponId = `crossbill_retention_${offer.percentOff}off_${offer.durationMonths}m`;
          await stripe.client.coupons.retrieve(couponId).catch(async (error: { statusCode?: number }) => {
            if (error.statusCode !== 404) throw error;
            return stripe.client.coupons.create({ id: couponId, percent_off: offer.percentOff, duration: 'repeating', duration_in_months: offer.durationMonths, name: offer.title });
          });
          await stripe.client.subscriptions.update(subscription.storeId, { discounts: [{ coupon: couponId }] });
          await stripe.sync.syncSubscription(subscription.storeId);
        }
        return { outcome: 'saved_discount', message: `Done: ${offer.title}. Your subscription continues.`, appStoreOffer: null, manageUrl: null };
      }
      case 'pause': {
        if (live) {
          const resumesAt = Math.floor(Date.now() / 1000) + offer.months * 30 * 86_400;
          await stripe.client.subscriptions.update(subscription.storeId, { pause_collection: { behavior: 'void', resumes_at: resumesAt } });
          await stripe.sync.syncSubscription(subscription.storeId);
        }
        return { outcome: 'saved_pause', message: `Paused: you won’t be charged for ${offer.months} months.`, appStoreOffer: null, manageUrl: null };
      }
      case 'switch_plan': {
        if (live) {
          const user = await this.dataSource.getRepository(UserEntity).findOneByOrFail({ id: session.userId });
          await stripe.billing.changePlan(user, subscription.id, offer.planKey);
        }
        return { outcome: 'saved_switch', message: `Switched: ${offer.title}.`, appStoreOffer: null, manageUrl: null };
      }
      default:
        throw new AppError('BAD_USER_INPUT', 'There is no offer to accept.');
    }
  }

  private async acceptOnAppStore(session: CancelSessionEntity, subscription: StoreSubscriptionEntity, offer: CancelOfferConfig): Promise<Omit<OutcomeView, 'subscription'>> {
    const offerId = (await this.flowConfig.current()).config.appStorePromotionalOfferId;
    if (offer.kind !== 'discount' || !offerId || !this.signPromotionalOffer) {
      return { outcome: 'manage_in_app_store', message: 'Manage your subscription in the App Store.', appStoreOffer: null, manageUrl: APP_STORE_MANAGE_URL };
    }
    const user = await this.dataSource.getRepository(UserEntity).findOneByOrFail({ id: session.userId });
    const signed = await this.signPromotionalOffer({ productId: subscription.productId, offerId, appAccountToken: user.appAccountToken });
    return { outcome: 'app_store_offer', message: `Open the app to redeem: ${offer.title}.`, appStoreOffer: signed, manageUrl: null };
  }

  private offerFor(store: 'stripe' | 'app_store', offer: CancelOfferConfig): CancelOfferConfig {
    // The App Store can present a promotional offer, or nothing: no pauses or plan switches by API.
    if (store === 'app_store' && (offer.kind === 'pause' || offer.kind === 'switch_plan')) return { kind: 'none' };
    return offer;
  }

  private async finish(session: CancelSessionEntity, result: Omit<OutcomeView, 'subscription'>): Promise<OutcomeView> {
    await this.dataSource.getRepository(CancelSessionEntity).update(session.id, { outcome: result.outcome, outcomeAt: new Date() });
    const subscription = await this.dataSource.getRepository(StoreSubscriptionEntity).findOneByOrFail({ id: session.subscriptionId });
    this.log.info({ cancelSessionId: session.id, outcome: result.outcome, reason: session.reason, mode: session.mode }, 'cancel flow finished');
    return { ...result, subscription };
  }

  private async load(token: string, options: { open?: boolean } = {}): Promise<{ payload: CancelSessionPayload; session: CancelSessionEntity }> {
    let payload: CancelSessionPayload;
    try {
      payload = verifyCancelSession(token, this.options.secret);
    } catch (error) {
      if (error instanceof CancelSessionError && error.problem === 'expired') throw new AppError('CANCEL_SESSION_EXPIRED');
      throw new AppError('CANCEL_SESSION_INVALID', undefined, { cause: error });
    }
    const session = (await this.dataSource.getRepository(CancelSessionEntity).findOneBy({ id: payload.sid })) ?? (await this.adopt(payload));
    // The token and the stored session must agree on everything they both say.
    if (!session || session.userId !== payload.uid || session.subscriptionId !== payload.sub || session.store !== payload.store || session.mode !== payload.mode) {
      throw new AppError('CANCEL_SESSION_INVALID');
    }
    if (options.open && session.outcome) throw new AppError('CANCEL_SESSION_COMPLETED');
    return { payload, session };
  }

  /**
   * A valid token minted by the app's own backend (same secret, no call to us) names a session
   * we have not seen: record it now, if its user really owns that subscription in that store.
   */
  private async adopt(payload: CancelSessionPayload): Promise<CancelSessionEntity | null> {
    if (![payload.sid, payload.sub, payload.uid].every(isUuid)) return null;
    const subscription = await this.dataSource.getRepository(StoreSubscriptionEntity).findOneBy({ id: payload.sub, userId: payload.uid, store: payload.store });
    if (!subscription) return null;
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(CancelSessionEntity)
      .values({
        id: payload.sid,
        userId: payload.uid,
        subscriptionId: payload.sub,
        store: payload.store,
        mode: payload.mode,
        expiresAt: new Date(payload.exp * 1000),
        ...atStake(subscription),
        source: 'token',
      })
      .orIgnore()
      .execute();
    return this.dataSource.getRepository(CancelSessionEntity).findOneBy({ id: payload.sid });
  }

  private requireStripe() {
    if (!this.stripe) throw new AppError('BILLING_UNAVAILABLE');
    return this.stripe;
  }
}
