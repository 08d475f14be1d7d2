/**
 * Crossbill's local OpenID providers: two issuers on one server, `${url}/google` and `${url}/apple`,
 * each with discovery, a JWKS, an authorization endpoint with an account picker and a token endpoint,
 * so the web's Google/Apple sign-in (and the API's ID-token checks) work without real credentials.
 */
import express, { NextFunction, Request, Response } from 'express';
import { AddressInfo } from 'node:net';
import type { Provider } from './accounts';
import { authorizeRoutes } from './authorize';
import { Grants, PATHS } from './grants';
import { OidcState } from './state';
import { tokenRoutes } from './token';
import {
  APPLE_BUNDLE_ID,
  APPLE_KEY_ID,
  APPLE_SERVICES_ID,
  APPLE_TEAM_ID,
  Ctx,
  GOOGLE_IOS_CLIENT_ID,
  GOOGLE_WEB_CLIENT_ID,
  GOOGLE_WEB_CLIENT_SECRET,
  MintClaims,
  issuerOf,
  mintIdToken,
} from './tokens';

export { PRESET_ACCOUNTS, subFor } from './accounts';
export type { MintClaims } from './tokens';

export interface OidcSandboxOptions {
  /** 0 = any free port (default 0 here, 12112 in the CLI). */
  port?: number;
  host?: string;
  /** Keep the signing keys and Apple's "already authorized" record in this JSON file across restarts. */
  stateFile?: string;
  log?: (m: string) => void;
}

export interface OidcSandbox {
  url: string;
  google: {
    issuer: string;
    jwksUrl: string;
    authorizationUrl: string;
    tokenUrl: string;
    userinfoUrl: string;
    /** [webClientId, iosClientId] — the audiences the API should accept. */
    clientIds: string[];
    webClientId: string;
    webClientSecret: string;
  };
  apple: {
    issuer: string;
    jwksUrl: string;
    authorizationUrl: string;
    tokenUrl: string;
    /** The web's client id. */
    servicesId: string;
    /** The iOS app's audience. */
    bundleId: string;
    teamId: string;
    keyId: string;
    /** PKCS#8 EC P-256 key, like Apple's `.p8`, for the web's client-secret JWT. */
    privateKeyPem: string;
  };
  mintIdToken(provider: Provider, claims?: MintClaims): Promise<string>;
  close(): Promise<void>;
}

function discovery(ctx: Ctx, provider: Provider): Record<string, unknown> {
  const iss = issuerOf(ctx, provider);
  const p = PATHS[provider];
  const common = {
    issuer: iss,
    authorization_endpoint: `${iss}${p.authorize}`,
    token_endpoint: `${iss}${p.token}`,
    jwks_uri: `${iss}${p.jwks}`,
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    code_challenge_methods_supported: ['plain', 'S256'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
  };
  if (provider === 'google') {
    return {
      ...common,
      userinfo_endpoint: `${iss}${p.userinfo}`,
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['public'],
      scopes_supported: ['openid', 'email', 'profile'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'sub', 'azp', 'nonce'],
    };
  }
  return {
    ...common,
    response_types_supported: ['code', 'code id_token'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    scopes_supported: ['openid', 'email', 'name'],
    claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'is_private_email', 'iss', 'nonce', 'nonce_supported', 'real_user_status', 'sub', 'auth_time'],
  };
}

export async function startOidcSandbox(options: OidcSandboxOptions = {}): Promise<OidcSandbox> {
  const host = options.host ?? '127.0.0.1';
  const ctx: Ctx = { url: '', state: new OidcState(options.stateFile), log: options.log ?? (() => {}) };

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  for (const provider of ['google', 'apple'] as const) {
    const router = express.Router();
    const publicJson = (res: Response, body: unknown) =>
      res.set({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=300' }).json(body);
    router.get('/.well-known/openid-configuration', (_req, res) => publicJson(res, discovery(ctx, provider)));
    router.get(PATHS[provider].jwks, (_req, res) => publicJson(res, { keys: [ctx.state.keys[provider].jwk] }));
    const grants = new Grants(provider);
    router.use(authorizeRoutes(ctx, provider, grants));
    router.use(tokenRoutes(ctx, provider, grants));
    app.use(`/${provider}`, router);
  }
  app.get('/', (_req, res) => {
    res.json({ google: `${issuerOf(ctx, 'google')}/.well-known/openid-configuration`, apple: `${issuerOf(ctx, 'apple')}/.well-known/openid-configuration` });
  });
  app.use((_req: Request, res: Response) => res.status(404).json({ error: 'not_found' }));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    ctx.log(`error: ${err.stack ?? String(err)}`);
    res.status(500).json({ error: 'server_error', error_description: 'The sandbox failed; see its log.' });
  });

  const server = app.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  ctx.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  ctx.log(`listening on ${ctx.url}`);

  const urls = (provider: Provider) => {
    const iss = issuerOf(ctx, provider);
    return {
      issuer: iss,
      jwksUrl: `${iss}${PATHS[provider].jwks}`,
      authorizationUrl: `${iss}${PATHS[provider].authorize}`,
      tokenUrl: `${iss}${PATHS[provider].token}`,
    };
  };
  return {
    url: ctx.url,
    google: {
      ...urls('google'),
      userinfoUrl: `${issuerOf(ctx, 'google')}${PATHS.google.userinfo}`,
      clientIds: [GOOGLE_WEB_CLIENT_ID, GOOGLE_IOS_CLIENT_ID],
      webClientId: GOOGLE_WEB_CLIENT_ID,
      webClientSecret: GOOGLE_WEB_CLIENT_SECRET,
    },
    apple: {
      ...urls('apple'),
      servicesId: APPLE_SERVICES_ID,
      bundleId: APPLE_BUNDLE_ID,
      teamId: APPLE_TEAM_ID,
      keyId: APPLE_KEY_ID,
      privateKeyPem: ctx.state.appleClientKeyPem,
    },
    mintIdToken: (provider, claims) => mintIdToken(ctx, provider, claims ?? {}),
    close: async () => {
      ctx.state.save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
