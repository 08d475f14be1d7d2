/**
 * The authorization endpoint: validates the request, shows the account picker and, once an account is
 * chosen, returns a code to the redirect URI — a 302 (query/fragment) or Apple's form_post page.
 */
import express, { Request, Response, Router } from 'express';
import { PRESET_ACCOUNTS, Provider, accountFor, splitName } from './accounts';
import { AuthRequest, Grants, PATHS, WEB_CLIENT } from './grants';
import { errorPage, formPostPage, pickerPage } from './pages';
import { Ctx, idTokenClaims, issuerOf, now, signIdToken } from './tokens';

type Params = Record<string, unknown>;
const str = (p: Params, k: string): string | undefined => (typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : undefined);

class AuthError extends Error {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/** Checks what can be reported back to the client (client_id and redirect_uri are already fine). */
function parseRequest(provider: Provider, q: Params, clientId: string, redirectUri: string): AuthRequest {
  const state = str(q, 'state');
  const scopes = new Set((str(q, 'scope') ?? '').split(/\s+/).filter(Boolean));
  const responseType = (str(q, 'response_type') ?? '').split(/\s+/).filter(Boolean).sort().join(' ');
  const okTypes = provider === 'google' ? ['code'] : ['code', 'code id_token'];
  if (!okTypes.includes(responseType)) throw new AuthError('unsupported_response_type', `response_type must be one of: ${okTypes.join(', ')}`);
  if (provider === 'google' && !scopes.has('openid')) throw new AuthError('invalid_request', 'scope must include openid');
  const mode = str(q, 'response_mode') ?? (responseType === 'code' ? 'query' : 'fragment');
  if (mode !== 'query' && mode !== 'fragment' && mode !== 'form_post') throw new AuthError('invalid_request', `unsupported response_mode ${mode}`);
  if (provider === 'apple' && (scopes.has('name') || scopes.has('email')) && mode !== 'form_post') {
    throw new AuthError('invalid_request', 'response_mode must be form_post when name or email scope is requested');
  }
  if (responseType !== 'code' && mode === 'query') throw new AuthError('invalid_request', 'response_mode query is not allowed with id_token');
  const codeChallenge = str(q, 'code_challenge');
  const method = str(q, 'code_challenge_method');
  if (method && !codeChallenge) throw new AuthError('invalid_request', 'code_challenge_method without code_challenge');
  if (codeChallenge && method && method !== 'S256' && method !== 'plain') {
    throw new AuthError('invalid_request', 'code_challenge_method must be S256 or plain');
  }
  if (codeChallenge && !/^[A-Za-z0-9\-._~]{43,128}$/.test(codeChallenge)) throw new AuthError('invalid_request', 'malformed code_challenge');
  return {
    provider,
    clientId,
    redirectUri,
    state,
    nonce: str(q, 'nonce'),
    scopes,
    responseType,
    responseMode: mode,
    codeChallenge,
    codeChallengeMethod: codeChallenge ? ((method ?? 'plain') as 'S256' | 'plain') : undefined,
    loginHint: str(q, 'login_hint'),
    offline: str(q, 'access_type') === 'offline',
  };
}

function deliver(res: Response, r: Pick<AuthRequest, 'provider' | 'redirectUri' | 'responseMode' | 'state'>, params: Record<string, string>): void {
  const fields = { ...params, ...(r.state !== undefined ? { state: r.state } : {}) };
  if (r.responseMode === 'form_post') {
    res.set('Cache-Control', 'no-store').type('html').send(formPostPage(r.provider, r.redirectUri, fields));
    return;
  }
  const target = new URL(r.redirectUri);
  if (r.responseMode === 'fragment') target.hash = new URLSearchParams(fields).toString();
  else for (const [k, v] of Object.entries(fields)) target.searchParams.set(k, v);
  res.redirect(302, target.toString());
}

export function authorizeRoutes(ctx: Ctx, provider: Provider, grants: Grants): Router {
  const router = Router();
  const action = () => `${issuerOf(ctx, provider)}${PATHS[provider].authorize}`;
  const fail = (res: Response, status: number, error: string, description: string) => {
    ctx.log(`${provider} authorize: ${error}: ${description}`);
    res.status(status).type('html').send(errorPage(provider, error, description));
  };

  router.get(PATHS[provider].authorize, (req: Request, res: Response) => {
    const q = req.query as Params;
    const clientId = str(q, 'client_id');
    if (!clientId || clientId !== WEB_CLIENT[provider]) {
      return fail(res, 400, 'invalid_client', `Unknown client_id ${clientId ?? '(missing)'}; the sandbox knows ${WEB_CLIENT[provider]}.`);
    }
    const redirectUri = str(q, 'redirect_uri');
    let redirect: URL | undefined;
    try {
      redirect = redirectUri ? new URL(redirectUri) : undefined;
    } catch {
      /* reported below */
    }
    if (!redirectUri || !redirect || !/^https?:$/.test(redirect.protocol) || redirect.hash) {
      return fail(res, 400, 'invalid_request', 'redirect_uri must be an absolute http(s) URL without a fragment.');
    }
    let request: AuthRequest;
    try {
      request = parseRequest(provider, q, clientId, redirectUri);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      const responseMode = str(q, 'response_mode') === 'form_post' ? 'form_post' : 'query';
      return deliver(res, { provider, redirectUri, responseMode, state: str(q, 'state') }, { error: err.error, error_description: err.message });
    }
    const requestId = grants.requests.put(grants.newRequestId(), request);
    res.set('Cache-Control', 'no-store').type('html').send(
      pickerPage({ provider, action: action(), requestId, clientId, redirectHost: redirect.host, loginHint: request.loginHint }),
    );
  });

  router.post(PATHS[provider].authorize, express.urlencoded({ extended: false }), async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Params;
    const requestId = str(body, 'request') ?? '';
    const request = grants.requests.take(requestId).value;
    if (!request) return fail(res, 400, 'invalid_request', 'This sign-in request is unknown or has expired; start again from the app.');
    if (str(body, 'cancel')) {
      return deliver(res, request, { error: provider === 'google' ? 'access_denied' : 'user_cancelled_authorize' });
    }
    let chosen: { email: string; name?: string; emailVerified: boolean; isPrivateEmail?: boolean } | undefined;
    if (str(body, 'custom')) {
      const email = str(body, 'email')?.trim();
      if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) return fail(res, 400, 'invalid_request', 'Enter an email address.');
      chosen = { email, name: str(body, 'name'), emailVerified: str(body, 'email_verified') === 'true' };
    } else {
      const email = str(body, 'account');
      chosen = PRESET_ACCOUNTS[provider].find((a) => a.email === email);
      if (!chosen) return fail(res, 400, 'invalid_request', `No preset account ${email ?? '(missing)'}.`);
    }
    const account = accountFor(provider, chosen);
    const first = ctx.state.firstAuthorization(request.clientId, account.sub);
    const grant = { request, account, authTime: now() };
    const params: Record<string, string> = { code: grants.codes.put(grants.newCode(), grant) };
    ctx.log(`${provider} authorize: ${account.email} (${account.sub}) for ${request.clientId}`);
    if (provider === 'apple') {
      if (request.responseType.includes('id_token')) {
        const claims = idTokenClaims(ctx, provider, account, { aud: request.clientId, nonce: request.nonce, authTime: grant.authTime, scopes: request.scopes });
        params.id_token = await signIdToken(ctx, provider, claims);
      }
      const wantsName = request.scopes.has('name');
      const wantsEmail = request.scopes.has('email');
      if (first && (wantsName || wantsEmail)) {
        const { given, family } = splitName(account.name);
        params.user = JSON.stringify({
          ...(wantsName ? { name: { firstName: given, lastName: family } } : {}),
          ...(wantsEmail ? { email: account.email } : {}),
        });
      }
    }
    deliver(res, request, params);
  });

  return router;
}
