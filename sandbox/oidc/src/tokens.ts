/** ID tokens shaped like Google's and Apple's, and the check of Apple's client-secret JWT. */
import { SignJWT, decodeProtectedHeader, jwtVerify } from 'jose';
import { Account, PRESET_ACCOUNTS, Provider, accountFor, splitName } from './accounts';
import type { OidcState } from './state';

export const GOOGLE_WEB_CLIENT_ID = '100000000001-crossbillweb.apps.googleusercontent.com';
export const GOOGLE_IOS_CLIENT_ID = '100000000001-crossbillios.apps.googleusercontent.com';
export const GOOGLE_WEB_CLIENT_SECRET = 'GOCSPX-crossbill-sandbox-secret';
export const APPLE_SERVICES_ID = 'com.crossbill.web';
export const APPLE_BUNDLE_ID = 'com.crossbill.app';
export const APPLE_TEAM_ID = 'CRSBLTEAM1';
export const APPLE_KEY_ID = 'SANDBOXK01';
/** The audience Apple expects in a client secret; the sandbox's own apple issuer is accepted too. */
export const APPLE_AUDIENCE = 'https://appleid.apple.com';
/** Apple refuses client secrets that expire more than six months after now. */
const SIX_MONTHS_S = 15_777_000;

export interface Ctx {
  url: string;
  state: OidcState;
  log: (m: string) => void;
}

export const issuerOf = (ctx: Ctx, provider: Provider) => `${ctx.url}/${provider}`;
export const now = () => Math.floor(Date.now() / 1000);

export interface MintClaims {
  sub?: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  nonce?: string;
  aud?: string;
  is_private_email?: boolean;
  exp?: number;
  iat?: number;
}

export interface TokenOptions {
  aud: string;
  nonce?: string;
  authTime?: number;
  /** Google leaves out email without the `email` scope and the name without `profile`. */
  scopes?: Set<string>;
  iat?: number;
  exp?: number;
  /** Explicit `is_private_email: false` (Apple otherwise sends it only for relay addresses). */
  privateEmailFalse?: boolean;
}

export function idTokenClaims(ctx: Ctx, provider: Provider, account: Account, o: TokenOptions): Record<string, unknown> {
  const iat = o.iat ?? now();
  const base: Record<string, unknown> = { iss: issuerOf(ctx, provider), aud: o.aud, sub: account.sub, iat, exp: o.exp ?? iat + 3600 };
  const wants = (scope: string) => !o.scopes || o.scopes.has(scope);
  if (provider === 'google') {
    base.azp = o.aud;
    if (wants('email')) Object.assign(base, { email: account.email, email_verified: account.emailVerified });
    if (wants('profile') && account.name) {
      const { given, family } = splitName(account.name);
      Object.assign(base, { name: account.name, given_name: given, ...(family ? { family_name: family } : {}) });
    }
  } else {
    if (wants('email')) {
      base.email = account.email;
      base.email_verified = String(account.emailVerified);
      if (account.isPrivateEmail) base.is_private_email = 'true';
      else if (o.privateEmailFalse) base.is_private_email = 'false';
    }
    base.auth_time = o.authTime ?? iat;
    base.nonce_supported = true;
  }
  if (o.nonce !== undefined) base.nonce = o.nonce;
  return base;
}

export async function signIdToken(ctx: Ctx, provider: Provider, claims: Record<string, unknown>): Promise<string> {
  const key = ctx.state.keys[provider];
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

/** `mintIdToken` of the public API: a correctly signed token without going through the browser flow. */
export async function mintIdToken(ctx: Ctx, provider: Provider, c: MintClaims = {}): Promise<string> {
  const email = c.email ?? 'ada@example.com';
  const preset = PRESET_ACCOUNTS[provider].find((a) => a.email.toLowerCase() === email.toLowerCase());
  const account = accountFor(provider, {
    email,
    name: c.name ?? preset?.name,
    emailVerified: c.email_verified ?? preset?.emailVerified ?? true,
    isPrivateEmail: c.is_private_email ?? preset?.isPrivateEmail,
  });
  if (c.sub) account.sub = c.sub;
  const aud = c.aud ?? (provider === 'google' ? GOOGLE_WEB_CLIENT_ID : APPLE_SERVICES_ID);
  const claims = idTokenClaims(ctx, provider, account, {
    aud,
    nonce: c.nonce,
    iat: c.iat,
    exp: c.exp,
    privateEmailFalse: c.is_private_email === false,
  });
  return signIdToken(ctx, provider, claims);
}

/** Checks a Sign in with Apple client secret; returns why it is refused, or null when it is fine. */
export async function appleClientSecretProblem(ctx: Ctx, secret: string): Promise<string | null> {
  let header;
  try {
    header = decodeProtectedHeader(secret);
  } catch {
    return 'client_secret is not a JWT';
  }
  if (header.alg !== 'ES256') return 'client_secret must be signed with ES256';
  if (header.kid !== APPLE_KEY_ID) return `client_secret kid must be ${APPLE_KEY_ID}`;
  try {
    const { payload } = await jwtVerify(secret, ctx.state.appleClientPublicKey, {
      algorithms: ['ES256'],
      issuer: APPLE_TEAM_ID,
      subject: APPLE_SERVICES_ID,
      audience: [APPLE_AUDIENCE, issuerOf(ctx, 'apple')],
      requiredClaims: ['iat', 'exp'],
      clockTolerance: 30,
    });
    const t = now();
    if (payload.iat! > t + 60) return 'client_secret iat is in the future';
    if (payload.exp! - t > SIX_MONTHS_S) return 'client_secret expires more than six months from now';
    return null;
  } catch (err) {
    return `client_secret rejected: ${(err as Error).message}`;
  }
}
