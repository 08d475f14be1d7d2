/**
 * The token endpoint (authorization_code with PKCE, refresh_token) with Google's client-secret and
 * Apple's client-secret-JWT authentication, and Google's userinfo endpoint.
 */
import express, { Request, Response, Router } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Provider } from './accounts';
import { ACCESS_TOKEN_TTL_S, Grant, Grants, PATHS, WEB_CLIENT } from './grants';
import { Ctx, GOOGLE_WEB_CLIENT_SECRET, appleClientSecretProblem, idTokenClaims, signIdToken } from './tokens';

type Params = Record<string, unknown>;
const str = (p: Params, k: string): string | undefined => (typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : undefined);

class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** client_secret_post or HTTP Basic (RFC 6749 §2.3.1: form-urlencoded id and secret). */
function clientCredentials(req: Request, body: Params): { clientId?: string; secret?: string } {
  let clientId = str(body, 'client_id');
  let secret = str(body, 'client_secret');
  const auth = req.get('authorization');
  if (auth && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    const id = dec(colon < 0 ? decoded : decoded.slice(0, colon));
    if (clientId && clientId !== id) throw new TokenError(400, 'invalid_request', 'client_id in the body differs from the Authorization header');
    clientId = id;
    secret = colon < 0 ? undefined : dec(decoded.slice(colon + 1));
  }
  return { clientId, secret };
}

async function authenticateClient(ctx: Ctx, provider: Provider, clientId?: string, secret?: string): Promise<string> {
  // Google answers 401 for a bad client; Apple 400.
  const status = provider === 'google' ? 401 : 400;
  if (!clientId || clientId !== WEB_CLIENT[provider]) throw new TokenError(status, 'invalid_client', 'The OAuth client was not found.');
  if (!secret) throw new TokenError(status, 'invalid_client', 'client_secret is missing');
  if (provider === 'google') {
    if (!same(secret, GOOGLE_WEB_CLIENT_SECRET)) throw new TokenError(status, 'invalid_client', 'Unauthorized');
  } else {
    const problem = await appleClientSecretProblem(ctx, secret);
    if (problem) throw new TokenError(status, 'invalid_client', problem);
  }
  return clientId;
}

function checkPkce(grant: Grant, verifier: string | undefined): void {
  const { codeChallenge, codeChallengeMethod } = grant.request;
  if (!codeChallenge) {
    if (verifier) throw new TokenError(400, 'invalid_grant', 'code_verifier sent but the authorization request had no code_challenge');
    return;
  }
  if (!verifier) throw new TokenError(400, 'invalid_grant', 'Missing code verifier.');
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) throw new TokenError(400, 'invalid_grant', 'Malformed code verifier.');
  const computed = codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  if (!same(computed, codeChallenge)) throw new TokenError(400, 'invalid_grant', 'Invalid code verifier.');
}

export function tokenRoutes(ctx: Ctx, provider: Provider, grants: Grants): Router {
  const router = Router();

  const issue = async (grant: Grant, withNonce: boolean, newRefresh: boolean) => {
    const { request, account } = grant;
    const claims = idTokenClaims(ctx, provider, account, {
      aud: request.clientId,
      nonce: withNonce ? request.nonce : undefined,
      authTime: grant.authTime,
      scopes: request.scopes,
    });
    const body: Record<string, unknown> = {
      access_token: grants.accessTokens.put(grants.newAccessToken(), grant),
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_S,
      id_token: await signIdToken(ctx, provider, claims),
    };
    if (newRefresh && (provider === 'apple' || request.offline)) body.refresh_token = grants.refreshTokens.put(grants.newRefreshToken(), grant);
    if (provider === 'google') body.scope = [...request.scopes].join(' ');
    return body;
  };

  router.post(PATHS[provider].token, express.urlencoded({ extended: false }), async (req: Request, res: Response) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    try {
      if (!req.is('application/x-www-form-urlencoded')) {
        throw new TokenError(400, 'invalid_request', 'The body must be application/x-www-form-urlencoded');
      }
      const body = (req.body ?? {}) as Params;
      const { clientId, secret } = clientCredentials(req, body);
      await authenticateClient(ctx, provider, clientId, secret);
      const grantType = str(body, 'grant_type');
      if (grantType === 'authorization_code') {
        const code = str(body, 'code');
        if (!code) throw new TokenError(400, 'invalid_request', 'Missing required parameter: code');
        const { value: grant, expired } = grants.codes.take(code);
        if (!grant) throw new TokenError(400, 'invalid_grant', expired ? 'The authorization code has expired.' : 'The authorization code is invalid or has been used.');
        if (grant.request.clientId !== clientId) throw new TokenError(400, 'invalid_grant', 'The code was issued to another client.');
        if (str(body, 'redirect_uri') !== grant.request.redirectUri) throw new TokenError(400, 'invalid_grant', 'redirect_uri does not match the authorization request.');
        checkPkce(grant, str(body, 'code_verifier'));
        ctx.log(`${provider} token: code exchanged for ${grant.account.email}`);
        return res.json(await issue(grant, true, true));
      }
      if (grantType === 'refresh_token') {
        const token = str(body, 'refresh_token');
        if (!token) throw new TokenError(400, 'invalid_request', 'Missing required parameter: refresh_token');
        const grant = grants.refreshTokens.get(token);
        if (!grant || grant.request.clientId !== clientId) throw new TokenError(400, 'invalid_grant', 'The refresh token is invalid.');
        return res.json(await issue(grant, false, false));
      }
      throw new TokenError(400, 'unsupported_grant_type', `Unsupported grant_type ${grantType ?? '(missing)'}`);
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      ctx.log(`${provider} token: ${err.error}: ${err.message}`);
      if (err.status === 401) res.set('WWW-Authenticate', 'Basic realm="sandbox"');
      return res.status(err.status).json({ error: err.error, error_description: err.message });
    }
  });

  const userinfo = PATHS[provider].userinfo;
  if (userinfo) {
    router.get(userinfo, (req: Request, res: Response) => {
      const m = /^Bearer (.+)$/i.exec(req.get('authorization') ?? '');
      const grant = m ? grants.accessTokens.get(m[1]!.trim()) : undefined;
      if (!grant) {
        res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
        return res.status(401).json({ error: 'invalid_request', error_description: 'Invalid Credentials' });
      }
      const c = idTokenClaims(ctx, provider, grant.account, { aud: grant.request.clientId, scopes: grant.request.scopes });
      const keep = ['sub', 'name', 'given_name', 'family_name', 'picture', 'email', 'email_verified'];
      res.json(Object.fromEntries(Object.entries(c).filter(([k]) => keep.includes(k))));
    });
  }
  return router;
}
