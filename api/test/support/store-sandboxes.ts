import Stripe from 'stripe';
import { startAppStoreSandbox, type AppStoreSandbox } from '../../../sandbox/appstore/src';
import { startStripeSandbox, type StripeSandbox } from '../../../sandbox/stripe/src';
import { plans } from '../../src/billing/plans';
import { syncStripeCatalogue } from '../../src/billing/stripe/stripe-catalogue';
import { signUp, startTestApi, type TestApi } from './test-api';

// A test API wired to the local store stand-ins (the Stripe sandbox with its webhooks, and
// optionally the App Store sandbox with its notifications and Server API), and the journeys
// every billing and retention test needs: a paying Stripe subscriber, an App Store subscriber,
// an admin.

export type TestUser = Awaited<ReturnType<typeof signUp>>;

/** The Stripe webhook signing secret the sandbox signs with and the test API checks. */
export const STRIPE_WEBHOOK_SECRET = 'whsec_store_sandboxes_test';

/** The API's settings for the App Store sandbox (Server API included, no background reconcile). */
export function appStoreEnv(store: AppStoreSandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    APPSTORE_BUNDLE_ID: store.bundleId,
    APPSTORE_APP_APPLE_ID: String(store.appAppleId),
    APPSTORE_ENVIRONMENTS: 'Sandbox',
    APPSTORE_ROOT_CERTIFICATE: store.rootCertificateBase64,
    APPSTORE_ISSUER_ID: store.serverApi.issuerId,
    APPSTORE_KEY_ID: store.serverApi.keyId,
    APPSTORE_PRIVATE_KEY: store.serverApi.privateKeyPem,
    APPSTORE_API_URL: store.url,
    APPSTORE_RECONCILE_MINUTES: '0',
    ...extra,
  };
}

export interface StoresAndApi {
  t: TestApi;
  stripeSandbox: StripeSandbox;
  /** The real Stripe SDK pointed at the sandbox. */
  stripe: Stripe;
  /** Present when started with `appStore: true`. */
  appStore: AppStoreSandbox | undefined;
  close(): Promise<void>;
}

/** Starts the sandboxes and a test API using them, webhooks connected and the catalogue synced. */
export async function startApiWithStores(options: { appStore?: boolean; env?: Record<string, string> } = {}): Promise<StoresAndApi> {
  const stripeSandbox = await startStripeSandbox({ port: 0, webhookRetryBaseMs: 50 });
  const appStore = options.appStore ? await startAppStoreSandbox({ port: 0, notificationRetryBaseMs: 50 }) : undefined;
  const t = await startTestApi({
    STRIPE_SECRET_KEY: stripeSandbox.secretKey,
    STRIPE_PUBLISHABLE_KEY: stripeSandbox.publishableKey,
    STRIPE_WEBHOOK_SECRET,
    STRIPE_API_URL: stripeSandbox.url,
    ...(appStore ? appStoreEnv(appStore) : {}),
    ...options.env,
  });
  stripeSandbox.addWebhookEndpoint(`${t.url}/webhooks/stripe`, STRIPE_WEBHOOK_SECRET);
  appStore?.setNotificationUrl(`${t.url}/webhooks/app-store`);
  const url = new URL(stripeSandbox.url);
  const stripe = new Stripe(stripeSandbox.secretKey, { host: url.hostname, port: Number(url.port), protocol: 'http' });
  await syncStripeCatalogue(stripe, plans);
  return {
    t,
    stripeSandbox,
    stripe,
    appStore,
    async close() {
      await t.close();
      await stripeSandbox.close();
      await appStore?.close();
    },
  };
}

/**
 * A new user paying for a plan on the web with the test card, returned once Crossbill holds the
 * subscription as active (a delivered webhook is processed just after it is acknowledged).
 */
export async function stripeSubscriber(s: StoresAndApi, planKey = 'pro-monthly'): Promise<{ user: TestUser; id: string; stripeId: string; customerId: string }> {
  const { t } = s;
  const user = await signUp(t);
  const created = (await t.gql(`mutation ($p: ID!) { createSubscription(planKey: $p) { clientSecret subscription { id } } }`, { p: planKey }, { token: user.accessToken })).data.createSubscription;
  await s.stripe.paymentIntents.confirm(created.clientSecret.split('_secret_')[0], { payment_method: 'pm_card_visa' });
  await s.stripeSandbox.webhooksIdle();
  let stripeId = '';
  for (let i = 0; i < 100 && !stripeId; i++) {
    const [row] = await t.dataSource.query(`SELECT store_id, status FROM store_subscription WHERE id = $1`, [created.subscription.id]);
    if (row?.status === 'active') stripeId = row.store_id;
    else await new Promise((r) => setTimeout(r, 50));
  }
  if (!stripeId) throw new Error('the Stripe subscription did not become active');
  const [{ customer_id: customerId }] = await t.dataSource.query(`SELECT customer_id FROM stripe_customer WHERE user_id = $1`, [user.user.id]);
  return { user, id: created.subscription.id, stripeId, customerId };
}

/** A new user buying on the iPhone (StoreKit in the sandbox) with the account's appAccountToken, verified by the app's call. */
export async function appStoreSubscriber(s: StoresAndApi): Promise<{ user: TestUser; id: string; originalTransactionId: string }> {
  const { t, appStore } = s;
  if (!appStore) throw new Error('start with { appStore: true }');
  const user = await signUp(t);
  const { appAccountToken } = (await t.gql(`{ me { appAccountToken } }`, {}, { token: user.accessToken })).data.me;
  const purchase = await appStore.purchase({ productId: 'com.crossbill.pro.monthly', appAccountToken });
  const id = (await t.gql(`mutation ($j: String!) { verifyAppleTransaction(signedTransaction: $j) { id } }`, { j: purchase.signedTransaction }, { token: user.accessToken })).data.verifyAppleTransaction.id;
  await appStore.notificationsIdle();
  return { user, id, originalTransactionId: purchase.originalTransactionId };
}

/** A new user with the admin role (as `npm run admin -- grant-role` sets it). */
export async function signUpAdmin(t: TestApi): Promise<TestUser> {
  const admin = await signUp(t);
  await t.dataSource.query(`UPDATE "user" SET role = 'admin' WHERE id = $1`, [admin.user.id]);
  return admin;
}
