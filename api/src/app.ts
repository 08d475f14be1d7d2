import type { DataSource } from 'typeorm';
import { AccessTokens } from './accounts/access-tokens';
import { AccountService, accountRateLimitRules } from './accounts/account.service';
import { IdentityService } from './accounts/identity/identity.service';
import { ProviderTokenVerifier } from './accounts/identity/provider-tokens';
import { PasswordHasher } from './accounts/passwords';
import { SessionService } from './accounts/session.service';
import { loadSigningKeys } from './accounts/signing-keys';
import { AppleVerifier } from './billing/appstore/apple-verifier';
import { createAppStoreApiClient } from './billing/appstore/appstore-api-client';
import { AppStoreService } from './billing/appstore/appstore.service';
import { appStoreWebhookRouter } from './billing/appstore/appstore-webhook.route';
import { StripeBillingService } from './billing/stripe/stripe-billing.service';
import { createStripeClient } from './billing/stripe/stripe-client';
import { StripeSync } from './billing/stripe/stripe-sync';
import { stripeWebhookRouter } from './billing/stripe/stripe-webhook.route';
import { SubscriptionsService } from './billing/subscriptions.service';
import type { Config } from './config';
import { EntitlementsService } from './billing/entitlements/entitlements.service';
import { GrantsService } from './billing/entitlements/grants.service';
import { Inbox } from './platform/inbox/inbox';
import { OutgoingWebhooks } from './platform/outgoing-webhooks/outgoing-webhooks';
import { promotionalOfferSigner } from './retention/promotional-offer';
import { RetentionService } from './retention/retention.service';
import { FlowConfigService } from './retention/flow-config.service';
import { RetentionAppsService } from './retention/apps/retention-apps.service';
import { precancelRouter } from './retention/apps/precancel.route';
import { RetentionAnalyticsService } from './retention/analytics.service';
import { RetentionOutcomes } from './retention/retention-outcomes';
import { PgPubSub } from './platform/pubsub/pg-pubsub';
import type { Services } from './platform/graphql/context';
import { startServer, type RunningServer } from './platform/http/server';
import type { Logger } from './platform/logger';
import { Mailer } from './platform/mail/mailer';
import { RateLimiter } from './platform/rate-limit/rate-limiter';

export interface Api {
  server: RunningServer;
  services: Services;
  mailer: Mailer;
  passwords: PasswordHasher;
  inbox: Inbox;
  /** The retention flow's clock (abandoned sessions, 30-day save checks); tests run it with their own time. */
  retentionOutcomes: RetentionOutcomes;
  /** Stops taking requests, waits for those in flight, stops background work. Idempotent. */
  close(): Promise<void>;
}

/** The connection URL the data source was created with (the pubsub needs a connection of its own). */
function databaseUrl(dataSource: DataSource): string {
  const url = (dataSource.options as { url?: string }).url;
  if (!url) throw new Error('the data source has no URL');
  return url;
}

/** Wires the services onto a ready (migrated) database and starts the HTTP/WebSocket server. */
export async function startApi(config: Config, log: Logger, dataSource: DataSource, port?: number): Promise<Api> {
  const signingKeys = await loadSigningKeys(
    { json: config.tokens.signingKeysJson, dataDir: config.dataDir, allowGenerate: !config.isProduction },
    log,
  );
  const accessTokens = new AccessTokens(signingKeys, {
    issuer: config.tokens.issuer,
    audience: config.tokens.audience,
    ttlSeconds: config.tokens.accessTokenTtlSeconds,
  });
  const pool = (dataSource.driver as unknown as { master: import('pg').Pool }).master;
  const rateLimiter = new RateLimiter(pool, accountRateLimitRules(config.rateLimits), config.rateLimits.enabled);
  const mailer = new Mailer(dataSource, config.mail, log.child({ component: 'mailer' }));
  const sessions = new SessionService(dataSource, accessTokens, { refreshTokenTtlDays: config.tokens.refreshTokenTtlDays }, log);
  const passwords = new PasswordHasher(config.passwordHashConcurrency);
  const accounts = new AccountService(dataSource, sessions, passwords, mailer, rateLimiter, { publicWebUrl: config.publicWebUrl }, log);
  const identities = new IdentityService(dataSource, new ProviderTokenVerifier(config.identityProviders), sessions, rateLimiter, log);
  const subscriptions = new SubscriptionsService(dataSource);
  const pubsub = new PgPubSub(databaseUrl(dataSource), log.child({ component: 'pubsub' }));
  await pubsub.start();
  const entitlements = new EntitlementsService(
    dataSource,
    pubsub,
    { publicWebUrl: config.publicWebUrl, expiryCheckSeconds: config.entitlementExpiryCheckSeconds },
    log.child({ component: 'entitlements' }),
  );
  entitlements.startExpiryWatch();
  sessions.useEntitlementClaims((userId) => entitlements.claims(userId));
  const outgoingWebhooks = new OutgoingWebhooks(dataSource, config.outgoingWebhooks, log.child({ component: 'outgoing-webhooks' }));
  outgoingWebhooks.start();
  pubsub.onAny(() => outgoingWebhooks.kick()); // a change committed somewhere: deliver without waiting for the poll
  const inbox = new Inbox(dataSource, log.child({ component: 'inbox' }));
  const routers = [];
  let stripeBilling: StripeBillingService | null = null;
  let stripeForRetention: ConstructorParameters<typeof RetentionService>[2] = null;
  if (config.stripe) {
    const stripe = createStripeClient(config.stripe);
    const stripeLog = log.child({ component: 'stripe' });
    const sync = new StripeSync(dataSource, stripe, { gracePeriodDays: config.stripe.gracePeriodDays }, stripeLog);
    stripeBilling = new StripeBillingService(
      dataSource,
      stripe,
      sync,
      subscriptions,
      { publishableKey: config.stripe.publishableKey, publicWebUrl: config.publicWebUrl },
      stripeLog,
    );
    inbox.register('stripe', (event, manager) => sync.handleEvent(event, manager));
    stripeForRetention = { client: stripe, sync, billing: stripeBilling };
    routers.push(stripeWebhookRouter(stripe, config.stripe.webhookSecret, inbox, stripeLog));
  }
  let appStore: AppStoreService | null = null;
  let reconcileTimer: NodeJS.Timeout | undefined;
  if (config.appStore) {
    const appStoreLog = log.child({ component: 'app-store' });
    const verifier = new AppleVerifier(config.appStore, appStoreLog);
    const serverApi = config.appStore.serverApi
      ? createAppStoreApiClient({
          ...config.appStore.serverApi,
          bundleId: config.appStore.bundleId,
          environment: config.appStore.environments.includes('Production') ? 'Production' : 'Sandbox',
        })
      : null;
    appStore = new AppStoreService(dataSource, verifier, serverApi, { ownershipPolicy: config.appStore.ownershipPolicy }, appStoreLog);
    const service = appStore;
    inbox.register('app_store', (event, manager) => service.handleNotification(event, manager));
    routers.push(appStoreWebhookRouter(verifier, inbox, appStoreLog));
    if (serverApi && config.appStore.reconcileMinutes > 0) {
      // Heals what a missed notification left behind (an EXPIRED or DID_RENEW that never came).
      reconcileTimer = setInterval(() => {
        service.reconcile().catch((error) => appStoreLog.error({ err: error }, 'App Store reconcile failed'));
      }, config.appStore.reconcileMinutes * 60_000);
      reconcileTimer.unref();
    }
  }
  const grants = new GrantsService(dataSource, log.child({ component: 'grants' }));
  const retentionFlowConfig = new FlowConfigService(dataSource);
  const retentionLog = log.child({ component: 'retention' });
  const retention = new RetentionService(
    dataSource,
    subscriptions,
    stripeForRetention,
    promotionalOfferSigner(
      config.appStore?.serverApi ? { privateKey: config.appStore.serverApi.privateKey, keyId: config.appStore.serverApi.keyId } : null,
      config.appStore?.bundleId,
    ),
    retentionFlowConfig,
    { secret: config.retention.secret, sessionTtlSeconds: config.retention.sessionTtlSeconds, publicWebUrl: config.publicWebUrl },
    retentionLog,
  );
  const retentionApps = new RetentionAppsService(dataSource, retention, { encryptionKey: config.retention.appKeysEncryptionKey }, retentionLog);
  routers.push(precancelRouter(retentionApps, retentionLog));
  const retentionAnalytics = new RetentionAnalyticsService(dataSource);
  const appStoreForOutcomes = appStore;
  const retentionOutcomes = new RetentionOutcomes(
    dataSource,
    {
      ...(stripeForRetention ? { stripe: async (s) => void (await stripeForRetention!.sync.syncSubscription(s.storeId)) } : {}),
      ...(appStoreForOutcomes ? { app_store: async (s) => void (await appStoreForOutcomes.reconcile([s.storeId])) } : {}),
    },
    retentionLog,
  );
  const services: Services = {
    accounts,
    sessions,
    identities,
    subscriptions,
    entitlements,
    grants,
    pubsub,
    outgoingWebhooks,
    retention,
    retentionFlowConfig,
    retentionApps,
    retentionAnalytics,
    stripeBilling,
    appStore,
  };

  const server = await startServer(
    { config, log, dataSource, services, signingKeys, exposeOutbox: !config.isProduction && !mailer.deliversOverSmtp, routers },
    port,
  );
  mailer.kick(); // anything left undelivered by a previous run
  inbox.start();
  void inbox.drain();
  retentionOutcomes.start(config.retention.outcomesCheckSeconds); // events a previous run stored but did not finish

  let closing: Promise<void> | undefined;
  return {
    server,
    services,
    mailer,
    passwords,
    inbox,
    retentionOutcomes,
    close() {
      closing ??= (async () => {
        await server.close();
        if (reconcileTimer) clearInterval(reconcileTimer);
        await inbox.close();
        entitlements.stop();
        await retentionOutcomes.stop();
        await outgoingWebhooks.close();
        await pubsub.close();
        rateLimiter.close();
        await mailer.close();
      })();
      return closing;
    },
  };
}
