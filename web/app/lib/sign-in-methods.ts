// Shared by the account page (browser) and its action (server): the unlink forms' intents.

export const SIGN_IN_METHOD_INTENTS = ['unlink-identity', 'confirm-unlink-identity'] as const;
export type SignInMethodIntent = (typeof SIGN_IN_METHOD_INTENTS)[number];

export const isSignInMethodIntent = (intent: unknown): intent is SignInMethodIntent =>
  SIGN_IN_METHOD_INTENTS.includes(intent as SignInMethodIntent);
