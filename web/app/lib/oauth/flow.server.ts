import { createCookie, createCookieSessionStorage } from '@remix-run/node';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { env } from '../env.server';
import { safeRedirect } from '../safe-redirect';

// One sign-in with Google or Apple, from the button to the callback: what we remember, where,
// and how the callback proves it belongs to the browser that pressed the button.
//
// - A random 32-byte flow secret per provider lives in the `__oauth` cookie (httpOnly, signed
//   with SESSION_SECRET, SameSite=Lax, path /auth, 10 minutes). It never appears in a URL.
// - The PKCE verifier and the raw nonce are derived from that secret (HMAC-SHA256), so the
//   cookie holds one value and the URL carries only what the provider must see: the S256 code
//   challenge and the nonce (Google: the raw nonce; Apple: its SHA-256 hex, as native apps do).
// - `state` is a signed, expiring token: provider, intent (sign-in | link), redirectTo, expiry
//   and the SHA-256 of the flow secret, HMAC-signed with SESSION_SECRET. The callback accepts
//   it only when the signature holds, it has not expired, and the browser's cookie carries the
//   secret it names: someone else's state (login CSRF: "sign the victim into my account") fails.
//
// Apple posts its answer cross-site (response_mode=form_post), and SameSite=Lax cookies are
// not sent on a cross-site POST. The POST handler therefore only checks the state's signature,
// keeps the posted fields in a short-lived cookie and 303-redirects to a GET of the same URL.
// That top-level GET navigation carries our Lax cookies (the flow secret and the session), and
// the flow finishes there exactly as Google's does. See web/README.md ("Google and Apple").

export type Provider = 'google' | 'apple';
export type FlowIntent = 'sign-in' | 'link';

export const PROVIDER_NAMES: Record<Provider, string> = { google: 'Google', apple: 'Apple' };

/** How long a started sign-in stays valid (the provider's pages included). */
export const FLOW_TTL_SECONDS = 10 * 60;

interface FlowSessionData {
  google: string;
  apple: string;
}

/** The `__oauth` cookie, as a remix-auth session storage (one flow secret per provider). */
export const flowStorage = createCookieSessionStorage<FlowSessionData>({
  cookie: {
    name: '__oauth',
    httpOnly: true,
    sameSite: 'lax',
    secure: env.isProduction,
    path: '/auth',
    maxAge: FLOW_TTL_SECONDS,
    secrets: env.sessionSecrets,
  },
});

export type FlowSession = Awaited<ReturnType<typeof flowStorage.getSession>>;

const b64url = (buffer: Buffer) => buffer.toString('base64url');
const hmac = (key: string | Buffer, value: string) => createHmac('sha256', key).update(value).digest();
export const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex');

/** The values one flow needs, all derived from its secret. */
export interface FlowSecrets {
  secret: string;
  /** The raw nonce: what the API's signIn/link mutations receive. */
  nonce: string;
  /** PKCE (RFC 7636): the verifier goes to the token endpoint, its S256 challenge to the authorization URL. */
  codeVerifier: string;
  codeChallenge: string;
}

export function flowSecrets(secret: string): FlowSecrets {
  const nonce = b64url(hmac(secret, 'crossbill-oauth-nonce'));
  const codeVerifier = b64url(hmac(secret, 'crossbill-oauth-pkce-verifier'));
  const codeChallenge = b64url(createHash('sha256').update(codeVerifier).digest());
  return { secret, nonce, codeVerifier, codeChallenge };
}

export const newFlowSecret = () => b64url(randomBytes(32));

/** What the signed state carries. */
export interface FlowState {
  provider: Provider;
  intent: FlowIntent;
  /** A same-site path to land on afterwards ('' for the default). */
  redirectTo: string;
}

interface StatePayload {
  v: 1;
  p: Provider;
  i: FlowIntent;
  r: string;
  /** expiry, seconds since the epoch */
  e: number;
  /** base64url SHA-256 of the flow secret in the browser's cookie */
  h: string;
}

const STATE_CONTEXT = 'crossbill-oauth-state.v1.';
const secretHash = (secret: string) => b64url(createHash('sha256').update(secret).digest());
const sign = (key: string, payload: string) => b64url(hmac(key, STATE_CONTEXT + payload));

/** `<payload>.<signature>`, both base64url; signed with the first SESSION_SECRET. */
export function signState(state: FlowState, secret: string, now = Date.now()): string {
  const payload: StatePayload = {
    v: 1,
    p: state.provider,
    i: state.intent,
    r: state.redirectTo,
    e: Math.floor(now / 1000) + FLOW_TTL_SECONDS,
    h: secretHash(secret),
  };
  const encoded = b64url(Buffer.from(JSON.stringify(payload)));
  return `${encoded}.${sign(env.sessionSecrets[0]!, encoded)}`;
}

export type StateProblem = 'invalid' | 'expired';

/**
 * The state's contents when its signature (any SESSION_SECRET, for rotation) holds and it has
 * not expired. It does not check the browser binding: see `isBoundTo`.
 */
export function readState(
  token: string | null | undefined,
  provider: Provider,
  now = Date.now(),
): { ok: true; state: FlowState; secretHash: string } | { ok: false; problem: StateProblem } {
  if (!token || token.length > 2048) return { ok: false, problem: 'invalid' };
  const [encoded, signature, extra] = token.split('.');
  if (!encoded || !signature || extra !== undefined) return { ok: false, problem: 'invalid' };
  const given = Buffer.from(signature, 'base64url');
  const valid = env.sessionSecrets.some((key) => {
    const expected = hmac(key, STATE_CONTEXT + encoded);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!valid) return { ok: false, problem: 'invalid' };
  let payload: StatePayload;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as StatePayload;
  } catch {
    return { ok: false, problem: 'invalid' };
  }
  if (payload.v !== 1 || payload.p !== provider || (payload.i !== 'sign-in' && payload.i !== 'link')) return { ok: false, problem: 'invalid' };
  if (typeof payload.e !== 'number' || payload.e * 1000 < now) return { ok: false, problem: 'expired' };
  return {
    ok: true,
    state: { provider: payload.p, intent: payload.i, redirectTo: safeRedirect(payload.r, '') },
    secretHash: payload.h,
  };
}

/** True when the browser's flow secret is the one the state was issued for. */
export function isBoundTo(stateSecretHash: string, secret: string | undefined): boolean {
  if (!secret) return false;
  const a = Buffer.from(secretHash(secret));
  const b = Buffer.from(stateSecretHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Apple's form_post fields, carried from its cross-site POST to our same-site GET. httpOnly,
 * signed, 2 minutes, only under /auth/apple/callback; cleared by the GET that reads it.
 */
export const applePostCookie = createCookie('__apple_form_post', {
  httpOnly: true,
  // Set on the response to a cross-site top-level POST (allowed for Lax), read by the
  // same-site GET it redirects to.
  sameSite: 'lax',
  secure: env.isProduction,
  path: '/auth/apple/callback',
  maxAge: 120,
  secrets: env.sessionSecrets,
});

export interface ApplePostedFields {
  code: string | null;
  state: string | null;
  /** Apple's `user` JSON (first authorization only): name and email. */
  user: string | null;
  error: string | null;
}
