import { hkdfSync } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';

// The whole environment is parsed once, here, at start-up. Nothing else reads process.env.
// Secrets have no production defaults: a production start without them fails loudly.

/** api/src or api/dist → the repository root. */
const REPOSITORY_ROOT = path.resolve(__dirname, '../..');

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  API_HOST: z.string().default('0.0.0.0'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  PUBLIC_API_URL: z.url().optional(),
  PUBLIC_WEB_URL: z.url().default('http://localhost:3000'),
  TRUST_PROXY: z.string().default('loopback'),
  HTTP_BODY_LIMIT: z.string().default('100kb'),

  // Relative to the repository root (as `npm start` uses it), wherever a CLI is started from.
  DATA_DIR: z.string().default('.data'),
  DATABASE_URL: z.url().optional(),
  DATABASE_POOL_SIZE: positiveInt.default(10),

  JWT_SIGNING_KEYS: z.string().optional(),
  JWT_AUDIENCE: z.string().default('crossbill'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.max(3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: positiveInt.max(365).default(30),

  PASSWORD_HASH_CONCURRENCY: positiveInt.max(64).optional(),

  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('Crossbill <no-reply@crossbill.local>'),

  GOOGLE_ISSUER: z.string().default('https://accounts.google.com,accounts.google.com'),
  GOOGLE_JWKS_URL: z.url().default('https://www.googleapis.com/oauth2/v3/certs'),
  GOOGLE_CLIENT_IDS: z.string().optional(),
  APPLE_ISSUER: z.string().default('https://appleid.apple.com'),
  APPLE_JWKS_URL: z.url().default('https://appleid.apple.com/auth/keys'),
  APPLE_CLIENT_IDS: z.string().optional(),

  APPSTORE_BUNDLE_ID: z.string().optional(),
  APPSTORE_APP_APPLE_ID: z.coerce.number().int().positive().optional(),
  APPSTORE_ENVIRONMENTS: z.string().default('Production'),
  APPSTORE_ROOT_CERTIFICATE: z.string().optional(),
  APPSTORE_ONLINE_CHECKS: boolish.optional(),
  APPSTORE_ALLOW_LOCAL_TESTING: boolish.default(false),
  APPSTORE_OWNERSHIP_POLICY: z.enum(['keep', 'transfer']).default('keep'),
  APPSTORE_ISSUER_ID: z.string().optional(),
  APPSTORE_KEY_ID: z.string().optional(),
  APPSTORE_PRIVATE_KEY: z.string().optional(),
  APPSTORE_API_URL: z.url().optional(),
  APPSTORE_RECONCILE_MINUTES: z.coerce.number().int().min(0).default(60),

  RETENTION_SECRET: z.string().min(32, 'use at least 32 random characters').optional(),
  RETENTION_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1800),
  RETENTION_OUTCOMES_CHECK_SECONDS: z.coerce.number().int().min(0).max(86_400).default(3600),
  RETENTION_APP_KEYS_ENCRYPTION_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 32 bytes as 64 hex characters (openssl rand -hex 32)')
    .optional(),
  OUTGOING_WEBHOOK_URLS: z.string().optional(),
  OUTGOING_WEBHOOK_SECRET: z.string().min(16, 'use at least 16 random characters').optional(),
  ENTITLEMENT_EXPIRY_CHECK_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),

  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret key (sk_test_…, sk_live_…)').optional(),
  STRIPE_PUBLISHABLE_KEY: z.string().regex(/^pk_(test|live)_/, 'must be a Stripe publishable key (pk_…)').optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_/, 'must be a webhook signing secret (whsec_…)').optional(),
  STRIPE_API_URL: z.url().optional(),
  STRIPE_GRACE_PERIOD_DAYS: z.coerce.number().int().min(0).max(60).default(7),

  GRAPHQL_MAX_DEPTH: positiveInt.default(10),
  GRAPHQL_MAX_COMPLEXITY: positiveInt.default(1000),
  GRAPHQL_INTROSPECTION: boolish.optional(),

  RATE_LIMITS_ENABLED: boolish.default(true),
  RATE_LIMIT_LOGIN_PER_IP: positiveInt.default(50),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: positiveInt.default(10),
  RATE_LIMIT_SIGNUP_PER_IP: positiveInt.default(20),
  RATE_LIMIT_EMAIL_PER_IP: positiveInt.default(20),
  RATE_LIMIT_EMAIL_PER_ACCOUNT: positiveInt.default(5),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  logLevel: Env['LOG_LEVEL'];
  http: { host: string; port: number; bodyLimit: string; trustProxy: string | boolean | number };
  publicApiUrl: string;
  publicWebUrl: string;
  dataDir: string;
  database: { url: string | undefined; poolSize: number };
  tokens: {
    signingKeysJson: string | undefined;
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
  };
  mail: { smtpUrl: string | undefined; from: string };
  /** ID-token verification per provider; null when the provider has no client ids configured. */
  identityProviders: Record<'google' | 'apple', { issuers: string[]; jwksUrl: string; audiences: string[] } | null>;
  /** App Store purchases; null when no bundle id is configured. */
  appStore: {
    bundleId: string;
    appAppleId: number | undefined;
    /** Environments whose signed data is accepted: Production, Sandbox (LocalTesting/Xcode only with the dev flag). */
    environments: string[];
    /** base64 DER of a root to trust instead of Apple's (the local sandbox); never in production. */
    rootCertificate: string | undefined;
    onlineChecks: boolean;
    allowLocalTesting: boolean;
    ownershipPolicy: 'keep' | 'transfer';
    serverApi: { issuerId: string; keyId: string; privateKey: string; apiUrl: string | undefined } | null;
    reconcileMinutes: number;
  } | null;
  /** Stripe billing; null when no Stripe secret key is configured (billing then refuses politely). */
  stripe: {
    secretKey: string;
    publishableKey: string;
    webhookSecret: string;
    /** Another Stripe-compatible base URL (the local sandbox); unset for api.stripe.com. */
    apiUrl: string | undefined;
    /** How long a subscriber keeps access after a failed renewal while Stripe retries. */
    gracePeriodDays: number;
  } | null;
  /**
   * Retention flow: the HMAC key of session tokens and their lifetime, and the AES-256 key that
   * encrypts apps' private keys at rest (derived from the secret when not set on its own).
   */
  retention: { secret: string; sessionTtlSeconds: number; appKeysEncryptionKey: Buffer; outcomesCheckSeconds: number };
  /** The app's own backend: where entitlement changes are POSTed, and the HMAC secret that signs them. */
  outgoingWebhooks: { endpoints: string[]; secret: string | undefined };
  /** How often live clients are told about accesses that ended by the clock (0 = never). */
  entitlementExpiryCheckSeconds: number;
  /** Password hashes running at once; undefined = one per core. */
  passwordHashConcurrency: number | undefined;
  graphql: { maxDepth: number; maxComplexity: number; introspection: boolean };
  rateLimits: {
    enabled: boolean;
    loginPerIp: number;
    loginPerAccount: number;
    signupPerIp: number;
    emailPerIp: number;
    emailPerAccount: number;
  };
}

export class ConfigError extends Error {}

function parseTrustProxy(value: string): string | boolean | number {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

const list = (value: string | undefined) => (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);

function provider(issuers: string, jwksUrl: string, clientIds: string | undefined) {
  const audiences = list(clientIds);
  return audiences.length ? { issuers: list(issuers), jwksUrl, audiences } : null;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid environment:\n${problems}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  if (isProduction) {
    const missing = [
      !e.DATABASE_URL && 'DATABASE_URL',
      !e.JWT_SIGNING_KEYS && 'JWT_SIGNING_KEYS',
      !e.PUBLIC_API_URL && 'PUBLIC_API_URL',
      !e.RETENTION_SECRET && 'RETENTION_SECRET',
    ].filter(Boolean);
    if (missing.length) {
      throw new ConfigError(`Production requires: ${missing.join(', ')} (see .env.example)`);
    }
  }
  if (isProduction && (e.APPSTORE_ROOT_CERTIFICATE || e.APPSTORE_ALLOW_LOCAL_TESTING)) {
    throw new ConfigError('APPSTORE_ROOT_CERTIFICATE and APPSTORE_ALLOW_LOCAL_TESTING are for local development only, never production');
  }
  if (isProduction && e.APPSTORE_BUNDLE_ID && !e.APPSTORE_APP_APPLE_ID) {
    throw new ConfigError('APPSTORE_APP_APPLE_ID is required in production (Apple checks it on production data)');
  }
  if (e.OUTGOING_WEBHOOK_URLS && !e.OUTGOING_WEBHOOK_SECRET) {
    throw new ConfigError('OUTGOING_WEBHOOK_URLS is set, so OUTGOING_WEBHOOK_SECRET is required to sign them');
  }
  if (e.STRIPE_SECRET_KEY && (!e.STRIPE_PUBLISHABLE_KEY || !e.STRIPE_WEBHOOK_SECRET)) {
    // Never a reason to skip webhook verification: without its secret, billing does not start.
    throw new ConfigError('STRIPE_SECRET_KEY is set, so STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET are required too (see .env.example)');
  }
  const publicApiUrl = (e.PUBLIC_API_URL ?? `http://localhost:${e.API_PORT}`).replace(/\/$/, '');
  // Outside production a fixed development key; production must set its own.
  const retentionSecret = e.RETENTION_SECRET ?? 'crossbill-development-retention-secret-not-for-production';
  return {
    env: e.NODE_ENV,
    isProduction,
    logLevel: e.LOG_LEVEL,
    http: { host: e.API_HOST, port: e.API_PORT, bodyLimit: e.HTTP_BODY_LIMIT, trustProxy: parseTrustProxy(e.TRUST_PROXY) },
    publicApiUrl,
    publicWebUrl: e.PUBLIC_WEB_URL.replace(/\/$/, ''),
    dataDir: path.resolve(REPOSITORY_ROOT, e.DATA_DIR),
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    tokens: {
      signingKeysJson: e.JWT_SIGNING_KEYS,
      issuer: publicApiUrl,
      audience: e.JWT_AUDIENCE,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM },
    passwordHashConcurrency: e.PASSWORD_HASH_CONCURRENCY,
    entitlementExpiryCheckSeconds: e.ENTITLEMENT_EXPIRY_CHECK_SECONDS,
    retention: {
      secret: retentionSecret,
      sessionTtlSeconds: e.RETENTION_SESSION_TTL_SECONDS,
      outcomesCheckSeconds: e.RETENTION_OUTCOMES_CHECK_SECONDS,
      appKeysEncryptionKey: e.RETENTION_APP_KEYS_ENCRYPTION_KEY
        ? Buffer.from(e.RETENTION_APP_KEYS_ENCRYPTION_KEY, 'hex')
        : Buffer.from(hkdfSync('sha256', retentionSecret, 'crossbill', 'retention app keys v1', 32)),
    },
    outgoingWebhooks: { endpoints: list(e.OUTGOING_WEBHOOK_URLS), secret: e.OUTGOING_WEBHOOK_SECRET },
    identityProviders: {
      google: provider(e.GOOGLE_ISSUER, e.GOOGLE_JWKS_URL, e.GOOGLE_CLIENT_IDS),
      apple: provider(e.APPLE_ISSUER, e.APPLE_JWKS_URL, e.APPLE_CLIENT_IDS),
    },
    appStore: e.APPSTORE_BUNDLE_ID
      ? {
          bundleId: e.APPSTORE_BUNDLE_ID,
          appAppleId: e.APPSTORE_APP_APPLE_ID,
          environments: list(e.APPSTORE_ENVIRONMENTS),
          rootCertificate: e.APPSTORE_ROOT_CERTIFICATE,
          onlineChecks: e.APPSTORE_ONLINE_CHECKS ?? isProduction,
          allowLocalTesting: e.APPSTORE_ALLOW_LOCAL_TESTING,
          ownershipPolicy: e.APPSTORE_OWNERSHIP_POLICY,
          serverApi:
            e.APPSTORE_ISSUER_ID && e.APPSTORE_KEY_ID && e.APPSTORE_PRIVATE_KEY
              ? { issuerId: e.APPSTORE_ISSUER_ID, keyId: e.APPSTORE_KEY_ID, privateKey: e.APPSTORE_PRIVATE_KEY.replace(/\\n/g, '\n'), apiUrl: e.APPSTORE_API_URL }
              : null,
          reconcileMinutes: e.APPSTORE_RECONCILE_MINUTES,
        }
      : null,
    stripe: e.STRIPE_SECRET_KEY
      ? {
          secretKey: e.STRIPE_SECRET_KEY,
          publishableKey: e.STRIPE_PUBLISHABLE_KEY!,
          webhookSecret: e.STRIPE_WEBHOOK_SECRET!,
          apiUrl: e.STRIPE_API_URL,
          gracePeriodDays: e.STRIPE_GRACE_PERIOD_DAYS,
        }
      : null,
    graphql: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
      introspection: e.GRAPHQL_INTROSPECTION ?? !isProduction,
    },
    rateLimits: {
      enabled: e.RATE_LIMITS_ENABLED,
      loginPerIp: e.RATE_LIMIT_LOGIN_PER_IP,
      loginPerAccount: e.RATE_LIMIT_LOGIN_PER_ACCOUNT,
      signupPerIp: e.RATE_LIMIT_SIGNUP_PER_IP,
      emailPerIp: e.RATE_LIMIT_EMAIL_PER_IP,
      emailPerAccount: e.RATE_LIMIT_EMAIL_PER_ACCOUNT,
    },
  };
}
