import { AppError } from '../errors';
import type { GraphQLContext } from '../graphql/context';
import type { Resolvers } from '../graphql/generated/resolvers-types';

async function requireAdmin(ctx: GraphQLContext) {
  const viewer = await ctx.requireViewer();
  if (viewer.user.role !== 'admin') throw new AppError('FORBIDDEN', 'Only an admin can do that.');
  return viewer;
}

export const outgoingWebhookResolvers: Resolvers = {
  Query: {
    webhookDeliveries: async (_root, { limit }, ctx) => {
      await requireAdmin(ctx);
      return ctx.services.outgoingWebhooks.deliveries(limit ?? 50);
    },
  },
  Mutation: {
    replayWebhookEvent: async (_root, { eventId }, ctx) => {
      await requireAdmin(ctx);
      if (!/^[0-9a-f-]{36}$/i.test(eventId)) throw new AppError('NOT_FOUND', 'No such event.');
      if (!(await ctx.services.outgoingWebhooks.replay(eventId))) throw new AppError('NOT_FOUND', 'No such event (or no endpoint configured).');
      return true;
    },
  },
  WebhookDelivery: {
    eventType: (delivery) => delivery.event?.type ?? 'unknown',
  },
};
