import { AppError } from '../errors';
import { isUuid } from '../validation';
import type { Resolvers } from '../graphql/generated/resolvers-types';

export const outgoingWebhookResolvers: Resolvers = {
  Query: {
    webhookDeliveries: async (_root, { limit }, ctx) => {
      await ctx.requireAdmin();
      return ctx.services.outgoingWebhooks.deliveries(limit ?? 50);
    },
  },
  Mutation: {
    replayWebhookEvent: async (_root, { eventId }, ctx) => {
      await ctx.requireAdmin();
      if (!isUuid(eventId)) throw new AppError('NOT_FOUND', 'No such event.');
      if (!(await ctx.services.outgoingWebhooks.replay(eventId))) throw new AppError('NOT_FOUND', 'No such event (or no endpoint configured).');
      return true;
    },
  },
  WebhookDelivery: {
    eventType: (delivery) => delivery.event?.type ?? 'unknown',
  },
};
