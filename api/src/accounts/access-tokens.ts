import { createLocalJWKSet, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../platform/errors';
import { ACCESS_TOKEN_ALG, type SigningKeys } from './signing-keys';

export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
  expiresAt: Date;
}

/**
 * Short-lived ES256 JWTs. An app's own backend can verify them offline with the JWKS at
 * /.well-known/jwks.json; the claims are `sub` (user id), `sid` (session id), iss, aud, iat, exp.
 */
export class AccessTokens {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;

  constructor(
    private readonly keys: SigningKeys,
    private readonly options: { issuer: string; audience: string; ttlSeconds: number },
  ) {
    this.keySet = createLocalJWKSet({ keys: keys.publicJwks });
  }

  /**
   * `entitlements` become the `ent` claim: the active entitlement keys at issue time, each with
   * the epoch second its access ends (null: no end). An app's backend can gate features offline
   * from it; it is as fresh as the token (at most the access-token lifetime old).
   */
  async issue(userId: string, sessionId: string, entitlements: Record<string, number | null> = {}, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.options.ttlSeconds;
    const token = await new SignJWT({ sid: sessionId, ent: entitlements })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: this.keys.active.kid, typ: 'at+jwt' })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(userId)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.keys.active.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Throws TOKEN_EXPIRED for an expired token, UNAUTHENTICATED for any other problem. */
  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.keySet, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [ACCESS_TOKEN_ALG],
        typ: 'at+jwt',
        clockTolerance: 5,
        requiredClaims: ['sub', 'sid', 'exp', 'iat'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('bad claims');
      return { userId: payload.sub, sessionId: payload.sid, expiresAt: new Date(payload.exp! * 1000) };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new AppError('TOKEN_EXPIRED', undefined, { cause: error });
      throw new AppError('UNAUTHENTICATED', 'The access token is not valid. Sign in again.', { cause: error, details: { reason: 'invalid_token' } });
    }
  }
}
