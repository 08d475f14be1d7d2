import { redirect, type SessionStorage } from '@remix-run/node';
import { importPKCS8, SignJWT } from 'jose';
import { Strategy, type AuthenticateOptions } from 'remix-auth';
import type { AppleConfig } from '../env.server';
import {
  applePostCookie,
  flowSecrets,
  isBoundTo,
  newFlowSecret,
  readState,
  sha256Hex,
  signState,
  type ApplePostedFields,
  type FlowState,
} from './flow.server';
import { FlowFailure, type PersonName, type ProviderResult } from './result';

// Sign in with Apple on the web, as a remix-auth 3 Strategy of our own (there is no Apple
// strategy for remix-auth 3 that does form_post, a JWT client secret and a nonce).
//
// - Start (POST /auth/apple): redirect to Apple with response_type=code, response_mode=form_post
//   (required when asking for name/email), scope "name email", a signed state (see
//   flow.server.ts) and nonce = SHA-256 hex of the raw nonce, as the iOS app sends; the API gets
//   the raw nonce and accepts either form in the token. No PKCE: Apple documents none for Sign
//   in with Apple. The code is bound to our Services ID and only redeemable with the client
//   secret below, and the state is bound to the browser.
// - Apple POSTs code, state and (first time only) `user` cross-site to /auth/apple/callback.
//   The route's action keeps those fields in a 2-minute cookie and 303-redirects to a GET of the
//   same URL; `authenticate` runs on that GET, where our SameSite=Lax cookies are present.
// - Code exchange: client_secret is an ES256 JWT (kid = key id, iss = team id, sub = Services
//   ID, aud = https://appleid.apple.com), valid for CLIENT_SECRET_LIFETIME_S (Apple allows up to
//   6 months), cached and re-signed a day before it expires.

const APPLE_AUDIENCE = 'https://appleid.apple.com';
/** A week: long enough to cache, far inside Apple's 6-month limit. */
const CLIENT_SECRET_LIFETIME_S = 7 * 24 * 60 * 60;
/** Re-sign when less than this is left. */
const CLIENT_SECRET_RENEW_BEFORE_S = 24 * 60 * 60;

export const APPLE_SCOPE = 'name email';

export class AppleClientSecret {
  private cached: { jwt: string; expiresAt: number } | null = null;
  private key: Promise<CryptoKey> | null = null;

  constructor(private readonly config: Pick<AppleConfig, 'servicesId' | 'teamId' | 'keyId' | 'privateKeyPem'>) {}

  /** The current client secret, signing a new one when the cached one is close to expiring. */
  async get(nowMs = Date.now()): Promise<string> {
    const now = Math.floor(nowMs / 1000);
    if (this.cached && this.cached.expiresAt - now > CLIENT_SECRET_RENEW_BEFORE_S) return this.cached.jwt;
    this.key ??= importPKCS8(this.config.privateKeyPem, 'ES256');
    const expiresAt = now + CLIENT_SECRET_LIFETIME_S;
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.config.keyId })
      .setIssuer(this.config.teamId)
      .setSubject(this.config.servicesId)
      .setAudience(APPLE_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(await this.key);
    this.cached = { jwt, expiresAt };
    return jwt;
  }
}

/** Apple's `user` form field: `{"name":{"firstName":"…","lastName":"…"},"email":"…"}`. */
export function parseAppleUser(raw: string | null): PersonName | null {
  if (!raw) return null;
  try {
    const user = JSON.parse(raw) as { name?: { firstName?: unknown; lastName?: unknown } };
    const clean = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 100) : null);
    const name = { givenName: clean(user.name?.firstName), familyName: clean(user.name?.lastName) };
    return name.givenName || name.familyName ? name : null;
  } catch {
    return null;
  }
}

export interface AppleVerifyParams {
  idToken: string;
  nonce: string;
  fullName: PersonName | null;
  flow: FlowState;
}

export class AppleStrategy extends Strategy<ProviderResult, AppleVerifyParams> {
  name = 'apple';
  private readonly callbackPath: string;
  private readonly clientSecret: AppleClientSecret;

  constructor(
    private readonly config: AppleConfig,
    verify: (params: AppleVerifyParams) => Promise<ProviderResult> = async ({ idToken, nonce, fullName, flow }) => ({
      provider: 'apple',
      intent: flow.intent,
      redirectTo: flow.redirectTo,
      idToken,
      nonce,
      fullName,
    }),
  ) {
    super(verify);
    this.callbackPath = new URL(config.callbackUrl).pathname;
    this.clientSecret = new AppleClientSecret(config);
  }

  async authenticate(request: Request, sessionStorage: SessionStorage, options: AuthenticateOptions): Promise<ProviderResult> {
    const url = new URL(request.url);
    const session = await sessionStorage.getSession(request.headers.get('Cookie'));

    if (url.pathname !== this.callbackPath) {
      const start = (options.context as { start?: Omit<FlowState, 'provider'> } | undefined)?.start;
      if (!start) throw new Error('AppleStrategy: pass { context: { start: { intent, redirectTo } } } to start a flow.');
      const secret = newFlowSecret();
      session.set('apple', secret);
      const { nonce } = flowSecrets(secret);
      const authorizationUrl = new URL(this.config.authorizationUrl);
      authorizationUrl.search = new URLSearchParams({
        response_type: 'code',
        response_mode: 'form_post',
        client_id: this.config.servicesId,
        redirect_uri: this.config.callbackUrl,
        scope: APPLE_SCOPE,
        state: signState({ provider: 'apple', ...start }, secret),
        nonce: sha256Hex(nonce),
      }).toString();
      throw redirect(authorizationUrl.toString(), { headers: { 'Set-Cookie': await sessionStorage.commitSession(session) } });
    }

    const fail = (failure: FlowFailure) => this.failure(failure.message, request, sessionStorage, options, failure);
    const posted = (await applePostCookie.parse(request.headers.get('Cookie'))) as ApplePostedFields | null;
    if (!posted) return fail(new FlowFailure('expired', 'apple', null, 'No answer from Apple to finish (it is kept for 2 minutes).'));

    const read = readState(posted.state, 'apple');
    if (!read.ok) {
      if (posted.error === 'user_cancelled_authorize') return fail(new FlowFailure('cancelled', 'apple', null, 'Signing in with Apple was cancelled.'));
      return fail(new FlowFailure(read.problem === 'expired' ? 'expired' : 'invalid-state', 'apple', null, `Apple state ${read.problem}.`));
    }
    const { state } = read;
    const secret = session.get('apple') as string | undefined;
    if (!isBoundTo(read.secretHash, secret)) {
      return fail(new FlowFailure('invalid-state', 'apple', state.intent, 'The Apple sign-in was started in another browser or has already been used.'));
    }
    if (posted.error) {
      const kind = posted.error === 'user_cancelled_authorize' ? 'cancelled' : 'provider-error';
      return fail(new FlowFailure(kind, 'apple', state.intent, `Apple answered ${posted.error}.`));
    }
    if (!posted.code) return fail(new FlowFailure('provider-error', 'apple', state.intent, 'Apple answered without a code.'));

    const { nonce } = flowSecrets(secret!);
    let idToken: string;
    try {
      idToken = await this.exchangeCode(posted.code);
    } catch (cause) {
      console.warn(`[web] Apple code exchange failed: ${cause instanceof Error ? cause.message : String(cause)}`);
      return fail(new FlowFailure('provider-error', 'apple', state.intent, 'Apple did not accept the sign-in code.'));
    }
    const result = await this.verify({ idToken, nonce, fullName: parseAppleUser(posted.user), flow: state });
    return this.success(result, request, sessionStorage, options);
  }

  /** authorization_code → the identity token (Apple's access and refresh tokens are not kept). */
  private async exchangeCode(code: string): Promise<string> {
    const response = await fetch(this.config.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.config.callbackUrl,
        client_id: this.config.servicesId,
        client_secret: await this.clientSecret.get(),
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => null)) as { id_token?: unknown; error?: unknown; error_description?: unknown } | null;
    if (!response.ok || !body || typeof body.id_token !== 'string') {
      throw new Error(`HTTP ${response.status} ${String(body?.error ?? '')} ${String(body?.error_description ?? '')}`.trim());
    }
    return body.id_token;
  }
}
