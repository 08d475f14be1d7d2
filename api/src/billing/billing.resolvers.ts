import { AppError } from '../platform/errors';
import type { GraphQLContext } from '../platform/graphql/context';
import type { Resolvers } from '../platform/graphql/generated/resolvers-types';
import { planByKey, plans, priceLabel, type PlanDefinition } from './plans';
import { managementUrl } from './management-url';
import { stripeDiscountOf } from './stripe/stripe-discount';
import type { StoreSubscriptionEntity } from './store-subscription.entity';

/** The user's entitlements, loaded once per request however many fields ask. */
const entitlementsOf = (ctx: GraphQLContext, userId: string) =>
  ctx.once(`entitlements:${userId}`, () => ctx.services.entitlements.forUser(userId));


const planModel = (plan: PlanDefinition) => ({
  key: plan.key,
  name: plan.name,
  description: plan.description,
  amount: plan.amount,
  currency: plan.currency,
  interval: plan.interval.toUpperCase() as 'MONTH' | 'YEAR',
  priceLabel: priceLabel(plan),
  entitlements: plan.entitlements,
});

function appStore(ctx: GraphQLContext) {
  if (!ctx.services.appStore) throw new AppError('BILLING_UNAVAILABLE', 'App Store purchases are not set up on this server.');
  return ctx.services.appStore;
}

function stripeBilling(ctx: GraphQLContext) {
  if (!ctx.services.stripeBilling) throw new AppError('BILLING_UNAVAILABLE', 'Payments on the web are not set up on this server.');
  return ctx.services.stripeBilling;
}

export const billingResolvers: Resolvers = {
  Query: {
    plans: () => plans.map(planModel),
  },
  User: {
    subscriptions: async (user, _args, ctx) => {
      await ctx.requireSelf(user.id);
      return ctx.services.subscriptions.listForUser(user.id);
    },
    entitlements: async (user, _args, ctx) => {
      await ctx.requireSelf(user.id);
      return (await entitlementsOf(ctx, user.id)).entitlements;
    },
    entitlement: async (user, { key }, ctx) => {
      await ctx.requireSelf(user.id);
      return (await entitlementsOf(ctx, user.id)).entitlements.find((e) => e.key === key) ?? null;
    },
    duplicateSubscriptions: async (user, _args, ctx) => {
      await ctx.requireSelf(user.id);
      return (await entitlementsOf(ctx, user.id)).duplicate;
    },
    appAccountToken: async (user, _args, ctx) => {
      await ctx.requireSelf(user.id);
      return user.appAccountToken;
    },
    billing: async (user, _args, ctx) => {
      await ctx.requireSelf(user.id);
      return ctx.services.stripeBilling ? ctx.services.stripeBilling.billingDetails(user) : null;
    },
  },
  Entitlement: {
    store: (e) => (e.store ? (e.store.toUpperCase() as 'STRIPE' | 'APP_STORE' | 'PROMOTIONAL') : null),
  },
  Subscription: {
    store: (s) => s.store.toUpperCase() as 'STRIPE' | 'APP_STORE' | 'PROMOTIONAL',
    status: (s) => s.status.toUpperCase() as never,
    plan: (s) => {
      const plan = s.planKey ? planByKey(s.planKey) : undefined;
      return plan ? planModel(plan) : null;
    },
    managementUrl: (s: StoreSubscriptionEntity, _args, ctx) => managementUrl(s.store, ctx.publicWebUrl),
    discount: (s) => (s.store === 'stripe' ? stripeDiscountOf(s.raw, new Date()) : null),
  },
  Mutation: {
    grantEntitlement: async (_root, { userId, key, expiresAt, reason }, ctx) =>
      ctx.services.grants.grant(await ctx.requireAdmin(), { userId, key, expiresAt: expiresAt ?? null, reason }),
    revokeGrant: async (_root, { id }, ctx) => ctx.services.grants.revoke(await ctx.requireAdmin(), id),
    verifyAppleTransaction: async (_root, { signedTransaction }, ctx) => appStore(ctx).verifyTransaction(await ctx.requireViewer(), signedTransaction),
    restoreApplePurchases: async (_root, { signedTransactions }, ctx) => appStore(ctx).restore(await ctx.requireViewer(), signedTransactions),
    createSubscription: async (_root, { planKey }, ctx) => stripeBilling(ctx).createSubscription((await ctx.requireViewer()).user, planKey),
    createCheckoutSession: async (_root, { planKey }, ctx) => ({
      url: await stripeBilling(ctx).createCheckoutSession((await ctx.requireViewer()).user, planKey),
    }),
    createBillingPortalSession: async (_root, _args, ctx) => ({
      url: await stripeBilling(ctx).createBillingPortalSession((await ctx.requireViewer()).user),
    }),
    refreshSubscription: async (_root, { id }, ctx) => stripeBilling(ctx).refresh((await ctx.requireViewer()).user, id),
    previewPlanChange: async (_root, { subscriptionId, planKey }, ctx) =>
      stripeBilling(ctx).previewPlanChange((await ctx.requireViewer()).user, subscriptionId, planKey),
    changePlan: async (_root, { subscriptionId, planKey }, ctx) =>
      stripeBilling(ctx).changePlan((await ctx.requireViewer()).user, subscriptionId, planKey),
    cancelSubscription: async (_root, { id }, ctx) => stripeBilling(ctx).cancelAtPeriodEnd((await ctx.requireViewer()).user, id),
    resumeSubscription: async (_root, { id }, ctx) => stripeBilling(ctx).resume((await ctx.requireViewer()).user, id),
  },
};
