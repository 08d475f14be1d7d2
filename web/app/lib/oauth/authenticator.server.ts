import { AuthorizationError, Authenticator } from 'remix-auth';
import { env } from '../env.server';
import { AppleStrategy } from './apple.server';
import { flowStorage, type FlowState, type Provider } from './flow.server';
import { CrossbillGoogleStrategy } from './google.server';
import { FlowFailure, type ProviderResult } from './result';

// remix-auth's Authenticator over the `__oauth` flow cookie, with a strategy for each provider
// that is configured. It never stores a user: each flow ends in a ProviderResult (an ID token
// and its nonce), which the route hands to the API (signInWith… / link…Identity).

export const authenticator = new Authenticator<ProviderResult>(flowStorage, { throwOnError: true });
if (env.google) authenticator.use(new CrossbillGoogleStrategy(env.google));
if (env.apple) authenticator.use(new AppleStrategy(env.apple));

/** Which providers are set up on this server (their buttons show only then). */
export interface ProviderAvailability {
  google: boolean;
  apple: boolean;
}

export const availableProviders = (): ProviderAvailability => ({ google: env.google !== null, apple: env.apple !== null });

export const isConfigured = (provider: Provider) => availableProviders()[provider];

/**
 * Starts a flow: always throws (the redirect to the provider, with the flow cookie). `request`
 * must still have its body when it is a form post: pass a clone if you read the form.
 */
export async function startFlow(provider: Provider, request: Request, start: Omit<FlowState, 'provider'>): Promise<never> {
  await authenticator.authenticate(provider, request, { context: { start } });
  throw new Error(`${provider} flow did not redirect`);
}

/** Finishes a flow on its callback URL: the ID token, or why there is none. */
export async function finishFlow(provider: Provider, request: Request): Promise<ProviderResult | FlowFailure> {
  try {
    return await authenticator.authenticate(provider, request);
  } catch (error) {
    if (error instanceof AuthorizationError) {
      if (error.cause instanceof FlowFailure) return error.cause;
      return new FlowFailure('provider-error', provider, null, error.message);
    }
    throw error;
  }
}

/** Set-Cookie that forgets the provider's flow secret (a finished flow cannot be replayed). */
export async function forgetFlow(provider: Provider, request: Request): Promise<string> {
  const session = await flowStorage.getSession(request.headers.get('Cookie'));
  session.unset(provider);
  return Object.keys(session.data).length === 0 ? flowStorage.destroySession(session) : flowStorage.commitSession(session);
}
