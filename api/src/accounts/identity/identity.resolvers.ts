import type { Resolvers } from '../../platform/graphql/generated/resolvers-types';

const PROVIDERS = { GOOGLE: 'google', APPLE: 'apple' } as const;

export const identityResolvers: Resolvers = {
  Mutation: {
    signInWithGoogle: (_root, { idToken, nonce }, ctx) => ctx.services.identities.signIn('google', idToken, nonce, ctx.meta),
    signInWithApple: (_root, { identityToken, nonce, fullName }, ctx) =>
      ctx.services.identities.signIn('apple', identityToken, nonce, ctx.meta, fullName),
    linkGoogleIdentity: async (_root, { idToken, nonce }, ctx) => ctx.services.identities.link(await ctx.requireViewer(), 'google', idToken, nonce),
    linkAppleIdentity: async (_root, { identityToken, nonce }, ctx) =>
      ctx.services.identities.link(await ctx.requireViewer(), 'apple', identityToken, nonce),
    unlinkIdentity: async (_root, { provider }, ctx) => ctx.services.identities.unlink(await ctx.requireViewer(), PROVIDERS[provider]),
  },
  User: {
    identities: async (user, _args, ctx) => {
      await ctx.requireSelf(user.id);
      return ctx.services.identities.listForUser(user.id);
    },
    hasPassword: (user) => user.passwordHash !== null,
    isAdmin: (user) => user.role === 'admin',
  },
  Identity: {
    provider: (identity) => (identity.provider === 'google' ? 'GOOGLE' : 'APPLE'),
  },
};
