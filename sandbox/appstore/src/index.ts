/**
 * Crossbill's local App Store: a test certificate chain shaped like Apple's, StoreKit 2 signed
 * transactions and renewal infos, signed App Store Server Notifications V2 delivered to the API, the
 * App Store Server API endpoints Crossbill calls, and a control API (`/sandbox/...`) through which
 * the CLI plays the iPhone's side. In sandbox mode the API trusts `rootCertificateBase64` instead of
 * Apple Root CA G3 and points `AppStoreServerAPIClient.urlBase` at `url`.
 */
import express, { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { CertificateAuthority, ForgeryKind } from './certs';
import * as commands from './commands';
import type { AtOptions, CommandResult, PurchaseOptions } from './commands';
import { controlRoutes, describeSubscription } from './control';
import { Ctx, ENVIRONMENT, SandboxError, latestTransaction, signPayload, transactionPayload } from './context';
import { signJws } from './jws';
import { idle, sendSignedPayload } from './notifications';
import type { NotificationOutcome } from './notifications';
import { DEFAULT_PRODUCTS, Product } from './products';
import { serverApiRoutes } from './server-api';
import { AppStoreState } from './state';

export type { CommandResult, PurchaseOptions, AtOptions } from './commands';
export type { NotificationOutcome } from './notifications';
export type { Product } from './products';
export type { ForgeryKind } from './certs';
export { OID_APPLE_RECEIPT_SIGNING, OID_APPLE_WWDR_INTERMEDIATE } from './certs';
export { DEFAULT_PRODUCTS, SUBSCRIPTION_GROUP } from './products';
export { SandboxError } from './context';
export { decodeJws } from './jws';

export interface AppStoreSandboxOptions {
  /** 0 = any free port (default 0 here, 12113 in the CLI). */
  port?: number;
  host?: string;
  /** Keeps the chain, keys, subscriptions and notifications across restarts (`state.json`, `root.cer`, `SubscriptionKey_….p8`). */
  stateDir?: string;
  /** Default `com.crossbill.app`. */
  bundleId?: string;
  /** Default 1234567890. */
  appAppleId?: number;
  /** Default "1". */
  bundleVersion?: string;
  /** Where V2 notifications are POSTed (none are sent without it; they are still recorded). */
  notificationUrl?: string;
  /** First retry after this many ms, then doubling (default 1000). */
  notificationRetryBaseMs?: number;
  /** Attempts per notification including the first (default 5). */
  notificationMaxAttempts?: number;
  /** Default: com.crossbill.pro.monthly (1 month, level 2) and com.crossbill.pro.yearly (1 year, level 1). */
  products?: Product[];
  /** Apple's sandbox renewal rates: 1 month = 5 minutes, 1 year = 1 hour, grace period 3 minutes. Default false. */
  acceleratedRenewals?: boolean;
  /** Billing grace period in days (default 16). */
  graceDays?: number;
  log?: (m: string) => void;
}

export type SubscriptionCommand = (originalTransactionId: string, opts?: AtOptions) => Promise<CommandResult>;

export interface AppStoreForgeries {
  /** Signs any payload with a broken chain of the given kind. */
  sign(payload: object, kind: ForgeryKind): Promise<string>;
  /** Same shape and names, but under another root: the verifier fails the chain (VERIFICATION_FAILURE). */
  foreignRootChain(payload: object): Promise<string>;
  /** The sandbox's intermediate and root with a leaf that expired a year ago (INVALID_CERTIFICATE). */
  expiredLeaf(payload: object): Promise<string>;
  /** A leaf without 1.2.840.113635.100.6.11.1 (VERIFICATION_FAILURE). */
  leafWithoutAppleOid(payload: object): Promise<string>;
  /** An intermediate without 1.2.840.113635.100.6.2.1 (VERIFICATION_FAILURE). */
  intermediateWithoutAppleOid(payload: object): Promise<string>;
  /** The real chain but only two certificates in `x5c` (INVALID_CHAIN_LENGTH). */
  shortChain(payload: object): Promise<string>;
  /** The real chain, but the payload was changed after signing (VERIFICATION_FAILURE). */
  badSignature(payload: object): Promise<string>;
  /** The subscription's latest transaction, properly signed, but for another app (INVALID_APP_IDENTIFIER). */
  wrongBundleId(originalTransactionId: string, bundleId?: string): Promise<string>;
  /** The subscription's latest transaction, properly signed, with another environment (INVALID_ENVIRONMENT). */
  wrongEnvironment(originalTransactionId: string, environment?: string): Promise<string>;
  /** A notification for another app, properly signed (INVALID_APP_IDENTIFIER). */
  wrongBundleIdNotification(notificationType?: string): Promise<string>;
  /** The base64 DER of the foreign root (to show that trusting it instead would work). */
  foreignRootCertificateBase64(): Promise<string>;
}

export interface AppStoreSandbox {
  url: string;
  bundleId: string;
  appAppleId: number;
  environment: 'Sandbox';
  /** Base64 DER of the sandbox's root: what the API trusts instead of Apple Root CA G3. */
  rootCertificateBase64: string;
  /** The In-App Purchase key for `AppStoreServerAPIClient(privateKeyPem, keyId, issuerId, bundleId, Environment.SANDBOX)`. */
  serverApi: { issuerId: string; keyId: string; privateKeyPem: string };
  notificationUrl: string | undefined;
  setNotificationUrl(url: string | undefined): void;
  purchase(opts: PurchaseOptions): Promise<CommandResult>;
  renew: SubscriptionCommand;
  failRenewal(originalTransactionId: string, opts?: AtOptions & { grace?: boolean }): Promise<CommandResult>;
  recover: SubscriptionCommand;
  expire: SubscriptionCommand;
  refund(originalTransactionId: string, opts?: AtOptions & { reason?: 0 | 1; transactionId?: string }): Promise<CommandResult>;
  revoke: SubscriptionCommand;
  cancelRenewal: SubscriptionCommand;
  resumeRenewal: SubscriptionCommand;
  upgrade(originalTransactionId: string, opts: AtOptions & { productId: string }): Promise<CommandResult>;
  sendTestNotification(opts?: AtOptions): Promise<NotificationOutcome>;
  /** Resolves when every notification sent so far was delivered or given up on. */
  notificationsIdle(): Promise<void>;
  /** Signs any payload with the sandbox chain (leaf valid at `payload.signedDate`, else now) — no delivery. */
  sign(payload: object): Promise<string>;
  /** Same as `sign`, named for notification payloads (e.g. a stale copy with an older signedDate). */
  signNotification(payload: object): Promise<string>;
  /** POSTs an already signed payload to the notification URL (with retries), e.g. a duplicate or a re-signed stale one. */
  sendSignedPayload(signedPayload: string): Promise<{ notificationUUID?: string; delivered: boolean }>;
  /** The decoded transaction payload as the sandbox would sign it now. */
  transactionPayload(transactionId: string): Record<string, unknown>;
  /** A readable view of a subscription, or undefined. */
  subscription(originalTransactionId: string): Record<string, unknown> | undefined;
  forgeries: AppStoreForgeries;
  close(): Promise<void>;
}

export async function startAppStoreSandbox(options: AppStoreSandboxOptions = {}): Promise<AppStoreSandbox> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const state = await AppStoreState.open(options.stateDir);
  const products = new Map((options.products ?? DEFAULT_PRODUCTS).map((p) => [p.productId, p]));
  const ctx: Ctx = {
    state,
    ca: new CertificateAuthority(state.chain, () => state.save()),
    bundleId: options.bundleId ?? 'com.crossbill.app',
    appAppleId: options.appAppleId ?? 1234567890,
    bundleVersion: options.bundleVersion ?? '1',
    products,
    clock: { accelerated: options.acceleratedRenewals ?? false, graceDays: options.graceDays ?? 16 },
    notificationUrl: options.notificationUrl || undefined,
    notificationRetryBaseMs: options.notificationRetryBaseMs ?? 1000,
    notificationMaxAttempts: options.notificationMaxAttempts ?? 5,
    log,
    pending: new Set(),
    timers: new Map(),
    closed: false,
  };
  const rootCertificateBase64 = ctx.ca.rootDer.toString('base64');
  const serverApi = { ...state.serverApi };

  let url = '';
  const info = () => ({
    url,
    bundleId: ctx.bundleId,
    appAppleId: ctx.appAppleId,
    environment: ENVIRONMENT,
    rootCertificateBase64,
    serverApi,
    notificationUrl: ctx.notificationUrl,
    products: [...products.keys()],
    acceleratedRenewals: ctx.clock.accelerated,
  });
  const setNotificationUrl = (u: string | undefined) => {
    ctx.notificationUrl = u || undefined;
    log(`notification url: ${ctx.notificationUrl ?? '(none)'}`);
  };

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use('/inApps', serverApiRoutes(ctx));
  app.use('/sandbox', controlRoutes(ctx, { info, rootDer: () => ctx.ca.rootDer, setNotificationUrl }));
  app.get('/', (_req, res) => res.json(info()));
  app.use((_req: Request, res: Response) => res.status(404).json({ error: { code: 'not_found', message: 'Not found' } }));
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    if (err.status && err.status < 500) {
      res.status(err.status).json({ error: { code: 'bad_request', message: err.message } });
      return;
    }
    log(`error: ${err.stack ?? String(err)}`);
    res.status(500).json({ error: { code: 'sandbox_error', message: 'The App Store sandbox failed; see its log.' } });
  });

  const server = app.listen(options.port ?? 0, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(`listening on ${url}`);

  const sign = (payload: object) => {
    const p = payload as { signedDate?: unknown };
    return signPayload(ctx, payload, typeof p.signedDate === 'number' ? p.signedDate : Date.now());
  };
  const latestPayload = (originalTransactionId: string) => {
    const sub = state.subscription(originalTransactionId);
    if (!sub) throw new SandboxError(404, 'unknown_subscription', `No subscription ${originalTransactionId}`);
    return transactionPayload(ctx, latestTransaction(sub), Date.now());
  };
  const forge = async (payload: object, kind: ForgeryKind) => signJws(payload, await ctx.ca.forgery(kind));
  const forgeries: AppStoreForgeries = {
    sign: forge,
    foreignRootChain: (p) => forge(p, 'foreignRoot'),
    expiredLeaf: (p) => forge(p, 'expiredLeaf'),
    leafWithoutAppleOid: (p) => forge(p, 'leafWithoutAppleOid'),
    intermediateWithoutAppleOid: (p) => forge(p, 'intermediateWithoutAppleOid'),
    shortChain: async (p) => {
      const signer = await ctx.ca.signerFor(new Date());
      const jws = signJws(p, signer);
      const [, body, sig] = jws.split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'ES256', x5c: signer.x5c.slice(0, 2) })).toString('base64url');
      // The signature no longer covers this header, but the chain length check comes first.
      return `${header}.${body}.${sig}`;
    },
    badSignature: async (p) => {
      const jws = await sign(p);
      const [header, , sig] = jws.split('.');
      const altered = Buffer.from(JSON.stringify({ ...p, tampered: true })).toString('base64url');
      return `${header}.${altered}.${sig}`;
    },
    wrongBundleId: (id, bundleId = 'com.example.otherapp') => sign({ ...latestPayload(id), bundleId }),
    wrongEnvironment: (id, environment = 'Production') => sign({ ...latestPayload(id), environment }),
    wrongBundleIdNotification: (notificationType = 'TEST') =>
      sign({
        notificationType,
        notificationUUID: randomUUID(),
        data: { appAppleId: ctx.appAppleId, bundleId: 'com.example.otherapp', environment: ENVIRONMENT },
        version: '2.0',
        signedDate: Date.now(),
      }),
    foreignRootCertificateBase64: async () => (await ctx.ca.forgery('foreignRoot')).x5c[2],
  };

  return {
    url,
    bundleId: ctx.bundleId,
    appAppleId: ctx.appAppleId,
    environment: ENVIRONMENT,
    rootCertificateBase64,
    serverApi,
    get notificationUrl() {
      return ctx.notificationUrl;
    },
    setNotificationUrl,
    purchase: (o) => commands.purchase(ctx, o),
    renew: (id, o) => commands.renew(ctx, id, o),
    failRenewal: (id, o) => commands.failRenewal(ctx, id, o),
    recover: (id, o) => commands.recover(ctx, id, o),
    expire: (id, o) => commands.expire(ctx, id, o),
    refund: (id, o) => commands.refund(ctx, id, o),
    revoke: (id, o) => commands.revoke(ctx, id, o),
    cancelRenewal: (id, o) => commands.cancelRenewal(ctx, id, o),
    resumeRenewal: (id, o) => commands.resumeRenewal(ctx, id, o),
    upgrade: (id, o) => commands.upgrade(ctx, id, o),
    sendTestNotification: (o) => commands.testNotification(ctx, o),
    notificationsIdle: () => idle(ctx),
    sign,
    signNotification: sign,
    sendSignedPayload: (jws) => sendSignedPayload(ctx, jws),
    transactionPayload: (transactionId) => {
      const found = state.subscriptionOfTransaction(transactionId);
      if (!found) throw new SandboxError(404, 'unknown_transaction', `No transaction ${transactionId}`);
      return transactionPayload(ctx, found.transaction, Date.now());
    },
    subscription: (id) => {
      const sub = state.subscription(id);
      return sub ? describeSubscription(sub) : undefined;
    },
    forgeries,
    close: async () => {
      ctx.closed = true;
      for (const [timer, wake] of ctx.timers) {
        clearTimeout(timer);
        wake();
      }
      ctx.timers.clear();
      await idle(ctx);
      state.save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
