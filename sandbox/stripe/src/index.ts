/**
 * Crossbill's local Stripe sandbox: the part of Stripe's REST API Crossbill uses, stateful, with
 * signed webhooks, test clocks, hosted checkout/portal pages and a Stripe.js stand-in. The real
 * `stripe` SDK talks to it with `new Stripe(key, { host, port, protocol: 'http' })`.
 */
import express from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { runDue } from './billing-cycle';
import { registerCharges } from './charges';
import { registerCheckoutPortal } from './checkout-portal';
import { BillingConfig, Ctx, SandboxConfig } from './context';
import { registerCoupons } from './coupons';
import { registerCustomers } from './customers';
import { registerEventsWebhooks, Webhooks } from './events-webhooks';
import { Api, cors } from './http';
import { registerInvoices } from './invoices';
import { registerPaymentMethods } from './payment-methods';
import { registerPayments } from './payments';
import { registerPreview } from './preview';
import { registerProductsPrices } from './products-prices';
import { Store } from './store';
import { registerSubscriptionItems } from './subscription-items';
import { registerSubscriptions } from './subscriptions';
import { registerTestClocks } from './test-clocks';

export { signatureHeader } from './events-webhooks';
export { TEST_CARDS, MAGIC_PAYMENT_METHODS } from './payment-methods';

export const SANDBOX_SECRET_KEY = 'sk_test_crossbill_sandbox';
export const SANDBOX_PUBLISHABLE_KEY = 'pk_test_crossbill_sandbox';

export interface StripeSandboxOptions {
  /** 0 = any free port (default 12111 in the CLI, 0 here). */
  port?: number;
  host?: string;
  /** Persist state as JSON across restarts. */
  stateFile?: string;
  webhookEndpoints?: Array<{ url: string; secret: string }>;
  /** First webhook retry delay; doubles on each further attempt (default 1000 ms). */
  webhookRetryBaseMs?: number;
  /** Delivery attempts per event and endpoint before giving up (default 10). */
  webhookMaxAttempts?: number;
  /** Renewal retry schedule and what happens after the last failure. */
  billing?: Partial<BillingConfig>;
  /** How often subscriptions without a test clock are checked for renewals (default 5000 ms). */
  realTimeTickMs?: number;
  log?: (msg: string) => void;
}

export interface StripeSandbox {
  url: string;
  host: string;
  port: number;
  secretKey: string;
  publishableKey: string;
  /** The Stripe.js stand-in script. */
  stripeJsUrl: string;
  addWebhookEndpoint(url: string, secret: string): void;
  /** Resolves when every event so far has been delivered or given up. */
  webhooksIdle(): Promise<void>;
  close(): Promise<void>;
}

function stripeJsSource(): string {
  const candidates = [join(__dirname, '..', 'public', 'stripe.js'), join(__dirname, '..', '..', '..', 'stripe', 'public', 'stripe.js')];
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error(`Stripe.js stand-in not found (looked in ${candidates.join(', ')})`);
  return readFileSync(file, 'utf8');
}

export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const config: SandboxConfig = {
    baseUrl: '',
    secretKey: SANDBOX_SECRET_KEY,
    publishableKey: SANDBOX_PUBLISHABLE_KEY,
    billing: { retryDays: [3, 5, 7], afterFinalFailure: 'cancel', ...options.billing },
    log,
  };
  const store = new Store(options.stateFile);
  const ctx = new Ctx(store, config);
  const hooks = new Webhooks(ctx, options.webhookRetryBaseMs ?? 1000, options.webhookMaxAttempts ?? 10);
  const js = stripeJsSource();

  const app = express();
  app.disable('x-powered-by');
  app.use(cors);
  app.get(['/js/stripe.js', '/v3', '/v3/'], (_req, res) => {
    res.type('application/javascript').set('Cache-Control', 'no-store').send(js);
  });
  app.use('/v1', express.text({ type: () => true, limit: '2mb' }));
  const router = express.Router();
  const api = new Api(router, ctx);
  const pages = express.Router();
  registerCustomers(api, ctx);
  registerPaymentMethods(api, ctx);
  registerProductsPrices(api, ctx);
  registerCoupons(api, ctx);
  registerPreview(api, ctx);
  registerInvoices(api, ctx);
  registerSubscriptions(api, ctx);
  registerSubscriptionItems(api, ctx);
  registerPayments(api, ctx);
  registerCharges(api, ctx);
  registerCheckoutPortal(api, pages, ctx);
  registerTestClocks(api, ctx);
  registerEventsWebhooks(api, ctx, hooks);
  app.use(router);
  app.use('/v1', api.fallback());
  app.use(pages);

  const server = app.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  config.baseUrl = url;

  const addWebhookEndpoint = (epUrl: string, secret: string) => {
    const exists = store
      .all<Stripe.WebhookEndpoint>('webhook_endpoint')
      .some((ep) => ep.url === epUrl && store.meta<{ secret: string }>(ep.id).secret === secret);
    if (!exists) hooks.addEndpoint(epUrl, secret);
  };
  for (const ep of options.webhookEndpoints ?? []) addWebhookEndpoint(ep.url, ep.secret);

  const tick = setInterval(() => {
    try {
      runDue(ctx, null, ctx.realNow());
    } catch (err) {
      log(`real-time billing failed: ${(err as Error).stack ?? String(err)}`);
    }
  }, options.realTimeTickMs ?? 5000);
  tick.unref();

  log(`listening on ${url}`);
  return {
    url,
    host,
    port,
    secretKey: SANDBOX_SECRET_KEY,
    publishableKey: SANDBOX_PUBLISHABLE_KEY,
    stripeJsUrl: `${url}/js/stripe.js`,
    addWebhookEndpoint,
    webhooksIdle: () => hooks.idle(),
    close: async () => {
      clearInterval(tick);
      hooks.close();
      store.save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
