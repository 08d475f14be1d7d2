import type { Resolvers } from '../platform/graphql/generated/resolvers-types';
import type { CancelOfferConfig, CancelReasonKey } from './flow-config';
import type { FlowView, OutcomeView } from './retention.service';
import type { FlowConfigInput, LoadedFlowConfig } from './flow-config.service';
import type { AnalyticsPeriod, SessionStore } from './analytics';
import { AppError } from '../platform/errors';

type ReasonEnum = 'TOO_EXPENSIVE' | 'MISSING_FEATURES' | 'SWITCHED_SERVICE' | 'UNUSED' | 'CUSTOMER_SERVICE' | 'TOO_COMPLEX' | 'LOW_QUALITY' | 'OTHER';
const upper = <T extends string>(value: string) => value.toUpperCase() as T;

function offerModel(offer: CancelOfferConfig | null) {
  if (!offer) return null;
  if (offer.kind === 'none') {
    return { kind: 'NONE' as const, title: 'No offer', description: '', percentOff: null, durationMonths: null, pauseMonths: null, planKey: null, supportUrl: null };
  }
  return {
    kind: upper<'DISCOUNT' | 'PAUSE' | 'SWITCH_PLAN' | 'CONTACT_SUPPORT'>(offer.kind),
    title: offer.title,
    description: offer.description,
    percentOff: offer.kind === 'discount' ? offer.percentOff : null,
    durationMonths: offer.kind === 'discount' ? offer.durationMonths : null,
    pauseMonths: offer.kind === 'pause' ? offer.months : null,
    planKey: offer.kind === 'switch_plan' ? offer.planKey : null,
    supportUrl: offer.kind === 'contact_support' ? offer.url : null,
  };
}

function flowModel(view: FlowView) {
  return {
    token: view.token,
    store: upper<'STRIPE' | 'APP_STORE'>(view.session.store),
    mode: upper<'LIVE' | 'TEST'>(view.session.mode),
    step: view.step,
    appearance: view.config.appearance,
    reasons: view.config.reasons.map((r) => ({ reason: upper<ReasonEnum>(r.reason), label: r.label, askComment: r.askComment })),
    reason: view.session.reason ? upper<ReasonEnum>(view.session.reason) : null,
    offer: offerModel(view.session.offer as CancelOfferConfig | null),
    outcome: view.session.outcome,
    subscription: view.subscription,
    expiresAt: view.session.expiresAt,
  };
}

const outcomeModel = (o: OutcomeView) => o;

function configModel({ config, updatedAt }: LoadedFlowConfig) {
  return {
    appearance: config.appearance,
    reasons: config.reasons.map((r) => ({ reason: upper<ReasonEnum>(r.reason), label: r.label, askComment: r.askComment, offer: offerModel(r.offer)! })),
    appStorePromotionalOfferId: config.appStorePromotionalOfferId,
    updatedAt,
  };
}

const STORE_ENUM = { stripe: 'STRIPE', app_store: 'APP_STORE' } as const;

// The token is the credential for everything after `startCancelFlow`: an embed or a hosted
// page can run the flow without the user being signed in there.
export const retentionResolvers: Resolvers = {
  Query: {
    cancelFlow: async (_root, { token }, ctx) => flowModel(await ctx.services.retention.view(token)),
    retentionFlowConfig: async (_root, _args, ctx) => {
      await ctx.requireAdmin();
      return configModel(await ctx.services.retentionFlowConfig.current());
    },
    retentionAnalytics: async (_root, { from, to, period, store, includeTest }, ctx) => {
      await ctx.requireAdmin();
      if (store === 'PROMOTIONAL') throw new AppError('BAD_USER_INPUT', 'Promotional grants have no retention sessions; choose STRIPE or APP_STORE.');
      const report = await ctx.services.retentionAnalytics.report({
        from: new Date(from),
        to: new Date(to),
        period: (period ?? 'WEEK').toLowerCase() as AnalyticsPeriod,
        store: store ? (store.toLowerCase() as SessionStore) : null,
        includeTest: includeTest ?? false,
      });
      return {
        from: report.from,
        to: report.to,
        period: upper<'DAY' | 'WEEK' | 'MONTH'>(report.period),
        totals: report.totals,
        byStore: report.byStore.map((s) => ({ store: STORE_ENUM[s.store], totals: s.totals })),
        byPeriod: report.byPeriod.map((p) => ({ periodStart: p.periodStart, totals: p.totals })),
        reasons: report.reasons.map((r) => ({ ...r, reason: upper<ReasonEnum>(r.reason) })),
        offers: report.offers.map((o) => ({ ...o, kind: upper<'DISCOUNT' | 'PAUSE' | 'SWITCH_PLAN' | 'CONTACT_SUPPORT' | 'NONE'>(o.kind) })),
      };
    },
  },
  Mutation: {
    startCancelFlow: async (_root, { subscriptionId, mode }, ctx) =>
      ctx.services.retention.start(await ctx.requireViewer(), subscriptionId, mode === 'TEST' ? 'test' : 'live'),
    submitCancelReason: async (_root, { token, reason, comment }, ctx) =>
      flowModel(await ctx.services.retention.submitReason(token, reason.toLowerCase() as CancelReasonKey, comment)),
    acceptCancelOffer: async (_root, { token }, ctx) => outcomeModel(await ctx.services.retention.accept(token)),
    declineCancelOffer: async (_root, { token, cancelOptOut }, ctx) => outcomeModel(await ctx.services.retention.decline(token, cancelOptOut ?? false)),
    updateRetentionFlowConfig: async (_root, { input }, ctx) => {
      const admin = await ctx.requireAdmin();
      return configModel(await ctx.services.retentionFlowConfig.update(admin.user.id, input as FlowConfigInput));
    },
    resetRetentionFlowConfig: async (_root, _args, ctx) => {
      await ctx.requireAdmin();
      return configModel(await ctx.services.retentionFlowConfig.reset());
    },
  },
};
