import { redirect, type SessionStorage } from '@remix-run/node';
import type { AuthenticateOptions } from 'remix-auth';
import { GoogleStrategy, type GoogleExtraParams, type GoogleProfile } from 'remix-auth-google';
import type { GoogleConfig } from '../env.server';
import { flowSecrets, isBoundTo, newFlowSecret, readState, signState, type FlowState } from './flow.server';
import { FlowFailure, type ProviderResult } from './result';

// Sign in with Google: remix-auth-google 2's GoogleStrategy (the remix-auth 3 generation),
// extended where it falls short of what Crossbill needs:
//
// - Endpoints: GoogleStrategy hard-codes accounts.google.com / oauth2.googleapis.com. Its base,
//   remix-auth-oauth2 1.x, keeps them in protected fields, so the subclass points them at
//   GOOGLE_AUTHORIZATION_URL / GOOGLE_TOKEN_URL (the local OIDC sandbox).
// - PKCE and nonce: remix-auth-oauth2 1.x sends neither and keeps only a random state in the
//   session, so `authenticate` is overridden: it adds an S256 code challenge and a nonce, makes
//   the state a signed token carrying the intent (sign-in or link) and redirectTo, and sends
//   the verifier with the code. The inherited pieces still do the work they do well: Google's
//   authorization parameters (access_type, prompt), the token request (client_secret_post)
//   and remix-auth's success/failure handling.
// - Profile: the ID token from the token response is what we need (the API verifies it), so
//   the userinfo call GoogleStrategy makes is skipped.

export const GOOGLE_SCOPE = 'openid email profile';

type GoogleVerifyContext = { flow: FlowState; nonce: string };

export class CrossbillGoogleStrategy extends GoogleStrategy<ProviderResult> {
  override name = 'google';
  private readonly callbackPath: string;

  constructor(private readonly config: GoogleConfig) {
    super(
      {
        clientID: config.clientId,
        clientSecret: config.clientSecret,
        callbackURL: config.callbackUrl,
        scope: GOOGLE_SCOPE,
        prompt: 'select_account',
      },
      async ({ extraParams, context }) => {
        const { flow, nonce } = context as unknown as GoogleVerifyContext;
        const idToken = typeof extraParams.id_token === 'string' ? extraParams.id_token : '';
        if (!idToken) throw new FlowFailure('provider-error', 'google', flow.intent, 'Google answered without an ID token.');
        return { provider: 'google', intent: flow.intent, redirectTo: flow.redirectTo, idToken, nonce, fullName: null };
      },
    );
    this.authorizationURL = config.authorizationUrl;
    this.tokenURL = config.tokenUrl;
    this.callbackPath = new URL(config.callbackUrl).pathname;
  }

  /**
   * Off the callback path: starts a flow (`options.context.start` says sign-in or link and where
   * to go afterwards) by redirecting to Google. On it: checks state, exchanges the code.
   */
  override async authenticate(request: Request, sessionStorage: SessionStorage, options: AuthenticateOptions): Promise<ProviderResult> {
    const url = new URL(request.url);
    const session = await sessionStorage.getSession(request.headers.get('Cookie'));

    if (url.pathname !== this.callbackPath) {
      const start = (options.context as { start?: Omit<FlowState, 'provider'> } | undefined)?.start;
      if (!start) throw new Error('CrossbillGoogleStrategy: pass { context: { start: { intent, redirectTo } } } to start a flow.');
      const secret = newFlowSecret();
      session.set('google', secret);
      const { nonce, codeChallenge } = flowSecrets(secret);
      const params = this.authorizationParams();
      params.set('response_type', 'code');
      params.set('client_id', this.clientID);
      params.set('redirect_uri', this.config.callbackUrl);
      params.set('scope', GOOGLE_SCOPE);
      params.set('state', signState({ provider: 'google', ...start }, secret));
      params.set('nonce', nonce);
      params.set('code_challenge', codeChallenge);
      params.set('code_challenge_method', 'S256');
      const authorizationUrl = new URL(this.authorizationURL);
      authorizationUrl.search = params.toString();
      throw redirect(authorizationUrl.toString(), { headers: { 'Set-Cookie': await sessionStorage.commitSession(session) } });
    }

    const fail = (failure: FlowFailure) => this.failure(failure.message, request, sessionStorage, options, failure);
    const read = readState(url.searchParams.get('state'), 'google');
    const error = url.searchParams.get('error');
    if (!read.ok) {
      if (error === 'access_denied') return fail(new FlowFailure('cancelled', 'google', null, 'Signing in with Google was cancelled.'));
      return fail(new FlowFailure(read.problem === 'expired' ? 'expired' : 'invalid-state', 'google', null, `Google state ${read.problem}.`));
    }
    const { state } = read;
    const secret = session.get('google') as string | undefined;
    if (!isBoundTo(read.secretHash, secret)) {
      return fail(new FlowFailure('invalid-state', 'google', state.intent, 'The Google sign-in was started in another browser or has already been used.'));
    }
    if (error) {
      const kind = error === 'access_denied' ? 'cancelled' : 'provider-error';
      return fail(new FlowFailure(kind, 'google', state.intent, `Google answered ${error}.`));
    }
    const code = url.searchParams.get('code');
    if (!code) return fail(new FlowFailure('provider-error', 'google', state.intent, 'Google answered without a code.'));

    const { nonce, codeVerifier } = flowSecrets(secret!);
    let result: ProviderResult;
    try {
      const params = new URLSearchParams({
        grant_type: 'authorization_code',
        redirect_uri: this.config.callbackUrl,
        code_verifier: codeVerifier,
      });
      const { accessToken, refreshToken, extraParams } = await this.fetchAccessToken(code, params);
      const context: GoogleVerifyContext = { flow: state, nonce };
      result = await this.verify({
        accessToken,
        refreshToken,
        extraParams: extraParams as GoogleExtraParams,
        // Not fetched: the API verifies the ID token and reads the person from it.
        profile: { provider: 'google' } as GoogleProfile,
        context,
        request,
      });
    } catch (cause) {
      if (cause instanceof Response) throw cause;
      if (cause instanceof FlowFailure) return fail(cause);
      // fetchAccessToken throws the token endpoint's body (a string) on an HTTP error.
      const detail = typeof cause === 'string' ? cause.slice(0, 300) : cause instanceof Error ? cause.message : String(cause);
      console.warn(`[web] Google code exchange failed: ${detail}`);
      return fail(new FlowFailure('provider-error', 'google', state.intent, 'Google did not accept the sign-in code.'));
    }
    return this.success(result, request, sessionStorage, options);
  }
}
