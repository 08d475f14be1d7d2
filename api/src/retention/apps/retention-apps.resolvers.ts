import type { Resolvers } from '../../platform/graphql/generated/resolvers-types';

export const retentionAppsResolvers: Resolvers = {
  Query: {
    retentionApps: async (_root, _args, ctx) => {
      await ctx.requireAdmin();
      return ctx.services.retentionApps.list();
    },
  },
  Mutation: {
    startCancelFlowForApp: async (_root, { input }, ctx) =>
      ctx.services.retentionApps.startFromEmbed({ ...input, mode: input.mode === 'TEST' ? 'test' : 'live' }),
    createRetentionApp: async (_root, { name }, ctx) => {
      await ctx.requireAdmin();
      return ctx.services.retentionApps.createApp(name);
    },
    createRetentionAppKey: async (_root, { appId }, ctx) => {
      await ctx.requireAdmin();
      return ctx.services.retentionApps.createKey(appId);
    },
    revokeRetentionAppKey: async (_root, { publicKey }, ctx) => {
      await ctx.requireAdmin();
      return ctx.services.retentionApps.revokeKey(publicKey);
    },
  },
  RetentionApp: {
    keys: (app) => [...(app.keys ?? [])].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
  },
};
