import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { StoreSubscriptionEntity } from '../../billing/store-subscription.entity';
import { AppError, isAppError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { parseInput } from '../../platform/validation';
import type { CancelSessionStart, RetentionService } from '../retention.service';
import { hexEquals, hmacHex } from './key-crypto';
import type { RetentionAppEntity, RetentionAppKeyEntity } from './retention-app.entities';
import { RetentionAppKeys, type AppCredentials } from './retention-app-keys';
import { SubscriberLookup } from './subscriber-lookup';

export type { AppCredentials } from './retention-app-keys';

/** The JS embed's positional (Vibess-style) start, as the GraphQL input carries it. */
export interface EmbedStartInput {
  appId: string;
  customerId?: string | null;
  subscriptionId?: string | null;
  email?: string | null;
  hmac: string;
  expiresAt: string;
  mode: 'live' | 'test';
}

/** What POST /api/precancel answers. */
export interface PrecancelResponse {
  status: number;
  body: { valid: boolean; message: string };
}

/** Precancel requests older or newer than this are replays or broken clocks (Chargebee Retention's window). */
const PRECANCEL_SKEW_SECONDS = 3600;
/** An embed link lives at most a day; a few minutes' clock difference with the app's server is tolerated. */
const EMBED_MAX_LIFETIME_SECONDS = 86_400;
const EMBED_CLOCK_SKEW_SECONDS = 300;

// One message for every way an email can fail to name a subscriber, so the answer never tells
// whether an address has an account (DESIGN.md: no hint whether an email has an account).
const EMAIL_NOT_ONE_SUBSCRIBER = 'This email does not identify exactly one subscriber; send the subscription id instead.';
const UNKNOWN_SUBSCRIPTION = 'Unknown subscription';

// Everything after the signature check; the fields checked before it are read by hand, in order.
const precancelFields = z.object({
  subscription_id: z.string({ error: 'subscription_id must be a string' }).max(200, 'subscription_id is too long').nullish(),
  email: z.string({ error: 'email must be a string' }).max(320, 'email is too long').nullish(),
  account: z
    .object({ internal_id: z.string({ error: 'account.internal_id must be a string' }).max(200, 'account.internal_id is too long').nullish() }, { error: 'account must be an object' })
    .nullish(),
  mode: z.enum(['live', 'test'], { error: 'mode must be "live" or "test"' }).nullish(),
});

const embedInput = z.object({
  appId: z.string().min(1, 'appId is required.').max(100, 'appId is too long.'),
  customerId: z.string().max(255, 'customerId is too long.').nullish(),
  subscriptionId: z.string().max(255, 'subscriptionId is too long.').nullish(),
  email: z.string().max(320, 'email is too long.').nullish(),
  hmac: z.string().min(1, 'hmac is required.').max(256, 'hmac is too long.'),
  expiresAt: z.string().regex(/^\d{1,12}$/, 'expiresAt must be a Unix time in seconds.'),
  mode: z.enum(['live', 'test']),
});

const reject = (status: number, message: string): PrecancelResponse => ({ status, body: { valid: false, message } });

/** Epoch seconds from a number or a numeric string; milliseconds (> 1e12) are accepted and converted. */
function epochSeconds(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) return null;
  return n > 1e12 ? n / 1000 : n;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Apps and their key pairs, and starting cancel flows on an app's signature: server-to-server
 * (POST /api/precancel, HMAC-SHA512 of the body) or from the JS embed (Vibess-style
 * HMAC-SHA256 of customer + app + expiry). The signature is the only credential: the caller's
 * claims about who the subscriber is are trusted only once it verifies.
 */
export class RetentionAppsService {
  private readonly keys: RetentionAppKeys;
  private readonly lookup: SubscriberLookup;

  constructor(
    dataSource: DataSource,
    private readonly retention: RetentionService,
    options: { encryptionKey: Buffer },
    private readonly log: Logger,
  ) {
    this.keys = new RetentionAppKeys(dataSource, options.encryptionKey);
    this.lookup = new SubscriberLookup(dataSource);
  }

  list(): Promise<RetentionAppEntity[]> {
    return this.keys.list();
  }

  createApp(name: string): Promise<AppCredentials> {
    return this.keys.createApp(name);
  }

  createKey(appId: string): Promise<AppCredentials> {
    return this.keys.createKey(appId);
  }

  revokeKey(publicKey: string): Promise<RetentionAppEntity> {
    return this.keys.revokeKey(publicKey);
  }

  /**
   * Chargebee Retention's precancel contract: checks in a fixed order (JSON → app → key →
   * timestamp → signature) with its exact messages, then finds the subscription and opens a
   * session. Never throws for a client's mistake; unexpected failures propagate (500).
   */
  async precancel(rawBody: Buffer, headers: { signature: string | undefined; publicKey: string | undefined }): Promise<PrecancelResponse> {
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return reject(400, 'Malformed JSON body');
    }
    if (!isPlainObject(body)) return reject(400, 'Malformed JSON body');

    if (typeof body.app_id !== 'string' || !body.app_id) return reject(400, 'Missing app_id');
    const app = await this.keys.findApp(body.app_id);
    if (!app) return reject(404, 'Unknown app_id');

    const key = headers.publicKey ? await this.keys.findKey(headers.publicKey) : null;
    // Another app's key gets the same answer as an unknown one: keys are not shared between apps.
    if (!key || key.appId !== app.id || key.revokedAt) return reject(401, 'Invalid Key Id');

    const timestamp = epochSeconds(body.timestamp);
    if (timestamp === null || Math.abs(Date.now() / 1000 - timestamp) > PRECANCEL_SKEW_SECONDS) return reject(401, 'Invalid timestamp');

    // Over the exact bytes received: re-serialising the parsed JSON could differ from what was signed.
    if (!hexEquals(headers.signature ?? '', hmacHex('sha512', this.privateKey(key), rawBody))) {
      this.log.info({ appId: app.id, publicKey: key.publicKey }, 'precancel signature mismatch');
      return reject(401, 'Invalid Signature');
    }
    await this.keys.markUsed(key.publicKey);

    const fields = precancelFields.safeParse(body);
    if (!fields.success) return reject(400, fields.error.issues[0]?.message ?? 'Invalid request body');
    const { subscription_id: subscriptionId, email, account, mode } = fields.data;
    try {
      const subscription = await this.precancelSubscription(subscriptionId || null, email || null, account?.internal_id || null);
      const session = await this.retention.startFor(subscription, mode ?? 'live', { source: 'precancel', appId: app.id });
      this.log.info({ appId: app.id, publicKey: key.publicKey, subscriptionId: subscription.id, mode: mode ?? 'live' }, 'precancel session started');
      return { status: 200, body: { valid: true, message: session.url } };
    } catch (error) {
      if (isAppError(error) && error.code === 'BAD_USER_INPUT') return reject(400, error.message);
      if (isAppError(error) && error.code === 'NOT_FOUND') return reject(404, error.message);
      throw error;
    }
  }

  /**
   * The embed's positional start (`startCancellationFlow(customerId, subscriptionId, hmac,
   * expiresAt, appId[, email])`), with no Crossbill sign-in: the hmac, made by the app's server
   * with its private key, is what says the page may act for this customer.
   */
  async startFromEmbed(raw: EmbedStartInput): Promise<CancelSessionStart> {
    const input = parseInput(embedInput, raw);
    const now = Date.now() / 1000;
    const expiresAt = Number(input.expiresAt);
    if (expiresAt <= now) {
      throw new AppError('BAD_USER_INPUT', 'This link has expired (expiresAt is in the past). Reload the page to get a new one.', { fields: [{ field: 'expiresAt', message: 'In the past.' }] });
    }
    if (expiresAt > now + EMBED_MAX_LIFETIME_SECONDS + EMBED_CLOCK_SKEW_SECONDS) {
      throw new AppError('BAD_USER_INPUT', 'expiresAt may be at most 24 hours ahead.', { fields: [{ field: 'expiresAt', message: 'More than 24 hours ahead.' }] });
    }
    const byCustomer = Boolean(input.customerId);
    const subject = byCustomer ? input.customerId : input.email;
    if (!subject) throw new AppError('BAD_USER_INPUT', 'Send a customerId or an email.', { fields: [{ field: 'customerId', message: 'Required without an email.' }] });

    const app = await this.keys.findApp(input.appId);
    if (!app) throw new AppError('NOT_FOUND', 'Unknown appId.');
    const key = this.verifyEmbedHmac(await this.keys.activeKeys(app.id), `${subject}${input.appId}${input.expiresAt}`, input.hmac);
    if (!key) {
      this.log.info({ appId: app.id }, 'embed hmac mismatch');
      // INVALID_TOKEN rather than UNAUTHENTICATED: no Crossbill sign-in is involved, and clients
      // treat UNAUTHENTICATED as "sign in again".
      throw new AppError('INVALID_TOKEN', 'The hmac does not match this app’s keys and the values sent (customerId or email, appId, expiresAt).');
    }
    await this.keys.markUsed(key.publicKey);

    const subscription = byCustomer
      ? await this.customerSubscription(subject, input.subscriptionId || null)
      : await this.emailSubscription(subject, input.subscriptionId || null);
    const session = await this.retention.startFor(subscription, input.mode, { source: 'embed', appId: app.id });
    this.log.info({ appId: app.id, publicKey: key.publicKey, subscriptionId: subscription.id, mode: input.mode }, 'embed session started');
    return session;
  }

  /** The active key whose HMAC-SHA256 of the message matches; every key is tried, so timing does not say which. */
  private verifyEmbedHmac(keys: RetentionAppKeyEntity[], message: string, received: string): RetentionAppKeyEntity | null {
    let matched: RetentionAppKeyEntity | null = null;
    for (const key of keys) {
      if (hexEquals(received, hmacHex('sha256', this.privateKey(key), message)) && !matched) matched = key;
    }
    return matched;
  }

  private privateKey(key: RetentionAppKeyEntity): string {
    try {
      return this.keys.privateKeyOf(key);
    } catch (error) {
      // Only a changed RETENTION_APP_KEYS_ENCRYPTION_KEY (or RETENTION_SECRET it derives from) or
      // an edited row gets here: an operator problem, not the caller's.
      throw new Error(`the private key of ${key.publicKey} does not decrypt: was the app-key encryption key changed?`, { cause: error });
    }
  }

  /** Precancel: by subscription id (checked against internal_id and email when given), or by email alone. */
  private async precancelSubscription(subscriptionId: string | null, email: string | null, internalId: string | null): Promise<StoreSubscriptionEntity> {
    if (subscriptionId) {
      const subscription = await this.lookup.subscription(subscriptionId);
      // A subscription of someone else than the account named is answered as unknown: no hint it exists.
      if (!subscription || (internalId && subscription.userId !== internalId)) throw new AppError('NOT_FOUND', UNKNOWN_SUBSCRIPTION);
      if (email && (await this.lookup.emailOf(subscription.userId)) !== email.trim().toLowerCase()) throw new AppError('NOT_FOUND', UNKNOWN_SUBSCRIPTION);
      return subscription;
    }
    if (!email) throw new AppError('BAD_USER_INPUT', 'Send subscription_id or email');
    const userId = await this.lookup.userIdForEmail(email);
    if (!userId || (internalId && userId !== internalId)) throw new AppError('BAD_USER_INPUT', EMAIL_NOT_ONE_SUBSCRIBER);
    return this.onlyLiveSubscription(userId, EMAIL_NOT_ONE_SUBSCRIBER, EMAIL_NOT_ONE_SUBSCRIBER);
  }

  /** Embed with a customerId: the named subscription if it is theirs, else their one live subscription. */
  private async customerSubscription(customerId: string, subscriptionId: string | null): Promise<StoreSubscriptionEntity> {
    const userId = await this.lookup.userIdForCustomer(customerId);
    if (!userId) throw new AppError('NOT_FOUND', 'Unknown customer.');
    if (subscriptionId) {
      const subscription = await this.lookup.subscription(subscriptionId);
      if (!subscription || subscription.userId !== userId) throw new AppError('NOT_FOUND', 'No such subscription for this customer.');
      return subscription;
    }
    return this.onlyLiveSubscription(userId, 'This customer has no live subscription.', 'This customer has several live subscriptions: pass subscriptionId.');
  }

  /** Embed with an email: every miss has the same answer, so the embed cannot probe for accounts. */
  private async emailSubscription(email: string, subscriptionId: string | null): Promise<StoreSubscriptionEntity> {
    const userId = await this.lookup.userIdForEmail(email);
    if (!userId) throw new AppError('BAD_USER_INPUT', EMAIL_NOT_ONE_SUBSCRIBER);
    if (subscriptionId) {
      const subscription = await this.lookup.subscription(subscriptionId);
      if (!subscription || subscription.userId !== userId) throw new AppError('BAD_USER_INPUT', EMAIL_NOT_ONE_SUBSCRIBER);
      return subscription;
    }
    return this.onlyLiveSubscription(userId, EMAIL_NOT_ONE_SUBSCRIBER, EMAIL_NOT_ONE_SUBSCRIBER);
  }

  private async onlyLiveSubscription(userId: string, noneMessage: string, severalMessage: string): Promise<StoreSubscriptionEntity> {
    const live = await this.lookup.liveSubscriptions(userId);
    if (live.length === 0) throw new AppError('BAD_USER_INPUT', noneMessage);
    if (live.length > 1) throw new AppError('BAD_USER_INPUT', severalMessage);
    return live[0]!;
  }
}
