import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '../../platform/errors';
import type { IdentityProviderName } from './identity.entity';

export interface ProviderConfig {
  issuers: string[];
  jwksUrl: string;
  /** Accepted `aud` values: web client id / Services ID and the iOS client id / bundle id. */
  audiences: string[];
}

export interface VerifiedIdentity {
  provider: IdentityProviderName;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

const CLOCK_SKEW_SECONDS = 30;

const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** Providers send `email_verified` as a boolean (Google) or the string "true" (Apple, historically). */
const isTrue = (value: unknown) => value === true || value === 'true';

/**
 * Verifies Google and Apple ID tokens: signature against the provider's JWKS (jose caches the
 * keys and refetches on an unknown kid, at most every 30 s), asymmetric algorithms only (no
 * `none`, no HS256 made with the public key), `iss`, `aud` from the configured list, `exp`/`iat`
 * with 30 s of skew, and the nonce — which may be the raw value the client generated or its
 * SHA-256 (native apps send Apple the hash).
 */
export class ProviderTokenVerifier {
  private readonly keySets = new Map<IdentityProviderName, ReturnType<typeof createRemoteJWKSet>>();

  constructor(private readonly providers: Record<IdentityProviderName, ProviderConfig | null>) {
    for (const [name, config] of Object.entries(providers) as Array<[IdentityProviderName, ProviderConfig | null]>) {
      if (config) {
        this.keySets.set(name, createRemoteJWKSet(new URL(config.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 6 * 3600_000, timeoutDuration: 5_000 }));
      }
    }
  }

  isConfigured(provider: IdentityProviderName): boolean {
    return this.keySets.has(provider);
  }

  async verify(provider: IdentityProviderName, token: string, nonce: string | null | undefined): Promise<VerifiedIdentity> {
    const config = this.providers[provider];
    const keySet = this.keySets.get(provider);
    if (!config || !keySet) throw new AppError('PROVIDER_NOT_CONFIGURED');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: config.issuers,
        audience: config.audiences,
        algorithms: ['RS256', 'ES256'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        maxTokenAge: '1h',
        requiredClaims: ['sub', 'iat', 'exp'],
      }));
    } catch (error) {
      throw new AppError('INVALID_TOKEN', `The ${provider === 'google' ? 'Google' : 'Apple'} sign-in could not be verified. Try again.`, { cause: error });
    }
    const tokenNonce = typeof payload.nonce === 'string' ? payload.nonce : null;
    if (provider === 'apple' && !nonce) throw new AppError('BAD_USER_INPUT', 'The nonce is missing.', { fields: [{ field: 'nonce', message: 'Required.' }] });
    // Either side having a nonce means both must, and they must match: a token minted for
    // another sign-in cannot be replayed here.
    if (nonce || tokenNonce) {
      if (!nonce || !tokenNonce || (tokenNonce !== nonce && tokenNonce !== sha256Hex(nonce))) {
        throw new AppError('INVALID_TOKEN', 'The sign-in does not match this request (nonce). Try again.');
      }
    }
    const email = typeof payload.email === 'string' && payload.email.includes('@') ? payload.email.trim().toLowerCase() : null;
    const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim().slice(0, 100) : null;
    return { provider, subject: payload.sub!, email, emailVerified: Boolean(email) && isTrue(payload.email_verified), name };
  }
}
