/** In-memory, per-issuer bookkeeping: pending picker requests, authorization codes, issued tokens. */
import { randomBytes } from 'node:crypto';
import type { Account, Provider } from './accounts';
import { GOOGLE_WEB_CLIENT_ID, APPLE_SERVICES_ID } from './tokens';

/** Endpoint paths under each issuer, mirroring where the real providers have them. */
export const PATHS: Record<Provider, { authorize: string; token: string; jwks: string; userinfo?: string }> = {
  google: { authorize: '/o/oauth2/v2/auth', token: '/token', jwks: '/oauth2/v3/certs', userinfo: '/v1/userinfo' },
  apple: { authorize: '/auth/authorize', token: '/auth/token', jwks: '/auth/keys' },
};

/** The client allowed at the authorization and token endpoints (the web app's). */
export const WEB_CLIENT: Record<Provider, string> = { google: GOOGLE_WEB_CLIENT_ID, apple: APPLE_SERVICES_ID };

export const CODE_TTL_MS = 60_000;
export const REQUEST_TTL_MS = 15 * 60_000;
export const ACCESS_TOKEN_TTL_S = 3600;

export interface AuthRequest {
  provider: Provider;
  clientId: string;
  redirectUri: string;
  state?: string;
  nonce?: string;
  scopes: Set<string>;
  responseType: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  loginHint?: string;
  offline: boolean;
}

export interface Grant {
  request: AuthRequest;
  account: Account;
  authTime: number;
}

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

class ExpiringMap<T> {
  private readonly items = new Map<string, Expiring<T>>();
  constructor(private readonly ttlMs: number) {}

  put(key: string, value: T): string {
    const t = Date.now();
    for (const [k, v] of this.items) if (v.expiresAt <= t) this.items.delete(k);
    this.items.set(key, { value, expiresAt: t + this.ttlMs });
    return key;
  }

  get(key: string): T | undefined {
    const item = this.items.get(key);
    return item && item.expiresAt > Date.now() ? item.value : undefined;
  }

  /** Removes the entry; says whether it existed and whether it had expired. */
  take(key: string): { value?: T; expired: boolean } {
    const item = this.items.get(key);
    this.items.delete(key);
    if (!item) return { expired: false };
    return item.expiresAt > Date.now() ? { value: item.value, expired: false } : { expired: true };
  }
}

const rand = (n: number) => randomBytes(n).toString('base64url');

export class Grants {
  readonly requests = new ExpiringMap<AuthRequest>(REQUEST_TTL_MS);
  readonly codes = new ExpiringMap<Grant>(CODE_TTL_MS);
  readonly accessTokens = new ExpiringMap<Grant>(ACCESS_TOKEN_TTL_S * 1000);
  /** Refresh tokens live as long as the sandbox runs. */
  readonly refreshTokens = new ExpiringMap<Grant>(365 * 24 * 3600_000);

  constructor(private readonly provider: Provider) {}

  newRequestId(): string {
    return `req_${rand(18)}`;
  }

  newCode(): string {
    return this.provider === 'google' ? `4/0A${rand(36)}` : `c${randomBytes(16).toString('hex')}.0.sbox.${rand(24)}`;
  }

  newAccessToken(): string {
    return this.provider === 'google' ? `ya29.a0${rand(48)}` : `a${randomBytes(16).toString('hex')}.0.sbox.${rand(24)}`;
  }

  newRefreshToken(): string {
    return this.provider === 'google' ? `1//0g${rand(48)}` : `r${randomBytes(16).toString('hex')}.0.sbox.${rand(24)}`;
  }
}
