import type { Resolvers } from '../platform/graphql/generated/resolvers-types';

// Thin: who is calling, the raw input to the service (which validates it), the answer.
export const accountResolvers: Resolvers = {
  Query: {
    me: async (_root, _args, ctx) => (await ctx.viewer())?.user ?? null,
  },
  Mutation: {
    signup: (_root, { input }, ctx) => ctx.services.accounts.signup(input, ctx.meta),
    login: (_root, { input }, ctx) => ctx.services.accounts.login(input, ctx.meta),
    refreshSession: (_root, { refreshToken }, ctx) => ctx.services.sessions.refresh(refreshToken, ctx.meta),
    logout: async (_root, { refreshToken }, ctx) => {
      await ctx.services.sessions.logout(refreshToken);
      return true;
    },
    logoutEverywhere: async (_root, _args, ctx) => {
      await ctx.services.accounts.logoutEverywhere(await ctx.requireViewer());
      return true;
    },
    changePassword: async (_root, { input }, ctx) =>
      ctx.services.accounts.changePassword(await ctx.requireViewer(), input, ctx.meta),
    requestEmailVerification: async (_root, _args, ctx) => {
      await ctx.services.accounts.requestEmailVerification(await ctx.requireViewer(), ctx.meta);
      return true;
    },
    verifyEmail: (_root, { token }, ctx) => ctx.services.accounts.verifyEmail(token),
    requestPasswordReset: async (_root, { email }, ctx) => {
      await ctx.services.accounts.requestPasswordReset(email, ctx.meta);
      return true;
    },
    resetPassword: async (_root, { token, newPassword }, ctx) => {
      await ctx.services.accounts.resetPassword(token, newPassword);
      return true;
    },
  },
  User: {
    emailVerified: (user) => user.emailVerifiedAt !== null,
  },
};
