import { setTimeout as sleep } from 'node:timers/promises';
import { liveValue } from '../../billing/entitlements/live';
import { AppError } from '../errors';
import type { Resolvers } from './generated/resolvers-types';

export const liveResolvers: Resolvers = {
  Live: {
    heartbeat: {
      subscribe: async function* (_root, { seconds }, ctx) {
        await ctx.requireViewer();
        const interval = seconds ?? 15;
        if (!Number.isInteger(interval) || interval < 1 || interval > 60) {
          throw new AppError('BAD_USER_INPUT', 'seconds must be between 1 and 60.', { fields: [{ field: 'seconds', message: 'Between 1 and 60.' }] });
        }
        for (;;) {
          yield { heartbeat: new Date() };
          await sleep(interval * 1000);
        }
      },
    },
    entitlementsChanged: {
      subscribe: async function* (_root, _args, ctx) {
        const { user } = await ctx.requireViewer();
        const load = async () => ({ entitlementsChanged: (await ctx.services.entitlements.forUser(user.id)).entitlements });
        yield* liveValue(ctx.services.pubsub, user.id, load);
      },
    },
    duplicateSubscriptionsChanged: {
      subscribe: async function* (_root, _args, ctx) {
        const { user } = await ctx.requireViewer();
        const load = async () => ({ duplicateSubscriptionsChanged: (await ctx.services.entitlements.forUser(user.id)).duplicate });
        yield* liveValue(ctx.services.pubsub, user.id, load);
      },
    },
    subscriptionStatus: {
      subscribe: async function* (_root, _args, ctx) {
        const { user } = await ctx.requireViewer();
        const load = async () => ({ subscriptionStatus: await ctx.services.subscriptions.listForUser(user.id) });
        yield* liveValue(ctx.services.pubsub, user.id, load);
      },
    },
  },
};
