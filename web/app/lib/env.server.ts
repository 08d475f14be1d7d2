import { z } from 'zod';

// The web server's environment, parsed once at start-up. Nothing else in the app reads
// process.env (server.js reads only PORT, HOST and TRUST_PROXY before the app loads).
// Secrets have no production defaults: a production start without them fails loudly.

const DEV_SESSION_SECRET = 'crossbill-dev-session-secret-do-not-use-in-production';

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
const optionalUrl = z.preprocess(blankToUndefined, z.url().optional());

export const GOOGLE_DEFAULT_AUTHORIZATION_URL = 'https://accounts.google.com/o/oauth2/v2/auth';
export const GOOGLE_DEFAULT_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const APPLE_DEFAULT_AUTHORIZATION_URL = 'https://appleid.apple.com/auth/authorize';
export const APPLE_DEFAULT_TOKEN_URL = 'https://appleid.apple.com/auth/token';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** The API's GraphQL endpoint, as the web server (not the browser) reaches it. */
  API_URL: z.url().default('http://localhost:4000/graphql'),
  /** Where people reach this web app; the API puts it in the links it mails. */
  PUBLIC_WEB_URL: z.url().default('http://localhost:3000'),
  /** Signs the session cookie. Comma-separated to rotate: the first signs, all verify. */
  SESSION_SECRET: z.string().optional(),
  /** How long the web server waits for the API before showing "service unavailable". */
  API_TIMEOUT_MS: z.coerce.number().int().positive().max(120_000).default(10_000),
  /**
   * Where the pay page loads Stripe.js from instead of https://js.stripe.com (the local Stripe
   * sandbox's stand-in). Unset: real Stripe.js. Never set it in production.
   */
  STRIPE_JS_URL: optionalUrl,

  // Sign in with Google (OAuth 2.0 web client). Configured only when both are set.
  GOOGLE_CLIENT_ID: optionalString,
  GOOGLE_CLIENT_SECRET: optionalString,
  /** Google's endpoints, overridable for the local OIDC sandbox. */
  GOOGLE_AUTHORIZATION_URL: optionalUrl,
  GOOGLE_TOKEN_URL: optionalUrl,

  // Sign in with Apple (a Services ID and a Sign in with Apple key). Configured only when all four are set.
  APPLE_SERVICES_ID: optionalString,
  APPLE_TEAM_ID: optionalString,
  APPLE_KEY_ID: optionalString,
  /** The `.p8` key's PEM contents; `\n`-escaped newlines are accepted (one-line env files). */
  APPLE_PRIVATE_KEY: optionalString,
  APPLE_AUTHORIZATION_URL: optionalUrl,
  APPLE_TOKEN_URL: optionalUrl,
});

export interface Env {
  nodeEnv: 'development' | 'test' | 'production';
  isProduction: boolean;
  apiUrl: string;
  /** The API's origin (API_URL without its path), for its plain HTTP endpoints such as /dev/outbox. */
  apiOrigin: string;
  publicWebUrl: string;
  sessionSecrets: string[];
  apiTimeoutMs: number;
  /** Stripe.js stand-in for the sandbox, or null for the real https://js.stripe.com. */
  stripeJsUrl: string | null;
  /** Sign in with Google, or null when GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET are not both set. */
  google: GoogleConfig | null;
  /** Sign in with Apple, or null when the Services ID, team id, key id and key are not all set. */
  apple: AppleConfig | null;
}

export interface GoogleConfig {
  clientId: string;
  clientSecret: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** `${PUBLIC_WEB_URL}/auth/google/callback` (GET): register it with the OAuth client. */
  callbackUrl: string;
}

export interface AppleConfig {
  /** The Services ID: the web's client_id, and the `aud` of its identity tokens. */
  servicesId: string;
  teamId: string;
  keyId: string;
  /** PKCS#8 PEM of the Sign in with Apple key (the `.p8` file). */
  privateKeyPem: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** `${PUBLIC_WEB_URL}/auth/apple/callback` (POST, form_post): register it with the Services ID. */
  callbackUrl: string;
}

/** `\n` escapes (one-line env files, docker `environment:`) back to newlines. */
export const normalizePem = (value: string) => value.replace(/(?:\\r)?\\n/g, '\n').trim();

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid environment for the web app:\n${problems}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  const secrets = (e.SESSION_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (isProduction) {
    if (secrets.length === 0) throw new Error('SESSION_SECRET is required in production (see .env.example).');
    if (secrets.some((s) => s.length < 32)) throw new Error('SESSION_SECRET must be at least 32 characters long.');
    if (secrets.includes(DEV_SESSION_SECRET)) throw new Error('SESSION_SECRET must not be the development default.');
    if (e.STRIPE_JS_URL) throw new Error('STRIPE_JS_URL is for the local Stripe sandbox; production loads https://js.stripe.com.');
  }
  const publicWebUrl = e.PUBLIC_WEB_URL.replace(/\/$/, '');

  const googleVars = { GOOGLE_CLIENT_ID: e.GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET: e.GOOGLE_CLIENT_SECRET };
  const google: GoogleConfig | null = allSet(googleVars)
    ? {
        clientId: googleVars.GOOGLE_CLIENT_ID!,
        clientSecret: googleVars.GOOGLE_CLIENT_SECRET!,
        authorizationUrl: e.GOOGLE_AUTHORIZATION_URL ?? GOOGLE_DEFAULT_AUTHORIZATION_URL,
        tokenUrl: e.GOOGLE_TOKEN_URL ?? GOOGLE_DEFAULT_TOKEN_URL,
        callbackUrl: `${publicWebUrl}/auth/google/callback`,
      }
    : null;
  warnIfPartial('Google', googleVars);

  const appleVars = {
    APPLE_SERVICES_ID: e.APPLE_SERVICES_ID,
    APPLE_TEAM_ID: e.APPLE_TEAM_ID,
    APPLE_KEY_ID: e.APPLE_KEY_ID,
    APPLE_PRIVATE_KEY: e.APPLE_PRIVATE_KEY,
  };
  let apple: AppleConfig | null = null;
  if (allSet(appleVars)) {
    const privateKeyPem = normalizePem(appleVars.APPLE_PRIVATE_KEY!);
    if (!/-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/.test(privateKeyPem)) {
      throw new Error('APPLE_PRIVATE_KEY must be the PEM contents of the .p8 key (-----BEGIN PRIVATE KEY----- …).');
    }
    apple = {
      servicesId: appleVars.APPLE_SERVICES_ID!,
      teamId: appleVars.APPLE_TEAM_ID!,
      keyId: appleVars.APPLE_KEY_ID!,
      privateKeyPem,
      authorizationUrl: e.APPLE_AUTHORIZATION_URL ?? APPLE_DEFAULT_AUTHORIZATION_URL,
      tokenUrl: e.APPLE_TOKEN_URL ?? APPLE_DEFAULT_TOKEN_URL,
      callbackUrl: `${publicWebUrl}/auth/apple/callback`,
    };
  }
  warnIfPartial('Apple', appleVars);

  return {
    nodeEnv: e.NODE_ENV,
    isProduction,
    apiUrl: e.API_URL,
    apiOrigin: new URL(e.API_URL).origin,
    publicWebUrl,
    sessionSecrets: secrets.length ? secrets : [DEV_SESSION_SECRET],
    apiTimeoutMs: e.API_TIMEOUT_MS,
    stripeJsUrl: e.STRIPE_JS_URL ?? null,
    google,
    apple,
  };
}

const allSet = (vars: Record<string, string | undefined>) => Object.values(vars).every((v) => v !== undefined && v !== '');

/** A provider with some but not all of its variables is almost certainly a typo: say so at start. */
function warnIfPartial(provider: string, vars: Record<string, string | undefined>) {
  const missing = Object.entries(vars).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length > 0 && missing.length < Object.keys(vars).length) {
    console.warn(`[web] Sign in with ${provider} is off: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set.`);
  }
}

export const env: Env = loadEnv();

/** What the browser may see: an explicit list, never a spread of `env`. */
export interface PublicEnv {
  /** The Stripe.js stand-in's URL in the sandbox; null means real Stripe.js. */
  stripeJsUrl: string | null;
}

/**
 * The public subset of the environment. Routes that need it return it from their loader (the
 * pay page does). The Stripe publishable key is not here: the API hands it out with each
 * `createSubscription`, so the web app needs no Stripe configuration of its own.
 */
export function publicEnv(): PublicEnv {
  return { stripeJsUrl: env.stripeJsUrl };
}
