import { z } from 'zod';

// The web server's environment, parsed once at start-up. Nothing else in the app reads
// process.env (server.js reads only PORT, HOST and TRUST_PROXY before the app loads).
// Secrets have no production defaults: a production start without them fails loudly.

const DEV_SESSION_SECRET = 'crossbill-dev-session-secret-do-not-use-in-production';

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
  STRIPE_JS_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
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
}

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
  return {
    nodeEnv: e.NODE_ENV,
    isProduction,
    apiUrl: e.API_URL,
    apiOrigin: new URL(e.API_URL).origin,
    publicWebUrl: e.PUBLIC_WEB_URL.replace(/\/$/, ''),
    sessionSecrets: secrets.length ? secrets : [DEV_SESSION_SECRET],
    apiTimeoutMs: e.API_TIMEOUT_MS,
    stripeJsUrl: e.STRIPE_JS_URL ?? null,
  };
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
