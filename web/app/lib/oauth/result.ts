import type { FlowIntent, Provider } from './flow.server';

// What a finished provider flow hands to the route: the ID token and what the API needs with
// it. The web server never trusts the token's contents itself; the API verifies it (JWKS,
// iss, aud, exp, nonce, email_verified).

export interface PersonName {
  givenName: string | null;
  familyName: string | null;
}

export interface ProviderResult {
  provider: Provider;
  intent: FlowIntent;
  redirectTo: string;
  idToken: string;
  /** The raw nonce of this flow (Google got it as is, Apple its SHA-256 hex). */
  nonce: string;
  /** Apple only, first authorization only. */
  fullName: PersonName | null;
}

/** Why a provider flow ended without an ID token. */
export type FlowFailureKind =
  /** The person cancelled on the provider's page (access_denied, user_cancelled_authorize). */
  | 'cancelled'
  /** The state expired (more than 10 minutes on the provider's page). */
  | 'expired'
  /** Bad or foreign state, or no flow cookie (another browser, cookies off, a replay). */
  | 'invalid-state'
  /** The provider answered with an error, no code, or the code exchange failed. */
  | 'provider-error';

/** The cause of remix-auth's AuthorizationError when one of our strategies fails. */
export class FlowFailure extends Error {
  constructor(
    readonly kind: FlowFailureKind,
    readonly provider: Provider,
    /** From a valid state; null when the state could not be read. */
    readonly intent: FlowIntent | null,
    message: string,
  ) {
    super(message);
    this.name = 'FlowFailure';
  }
}
