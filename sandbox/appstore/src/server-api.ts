/**
 * The App Store Server API endpoints Crossbill calls, behind the In-App Purchase key's bearer JWT,
 * answering as `api.storekit-sandbox.apple.com` does (JSON bodies, `{ errorCode, errorMessage }`
 * errors, a bare 401 for a bad token). `AppStoreServerAPIClient` talks to it once its `urlBase`
 * points here.
 */
import express, { NextFunction, Request, Response, Router } from 'express';
import { createPublicKey, randomUUID } from 'node:crypto';
import { testNotification } from './commands';
import { Ctx, ENVIRONMENT, latestTransaction, signRenewalInfo, signTransaction, statusOf } from './context';
import { checkBearer } from './jws';
import type { SubscriptionRecord, TransactionRecord } from './state';

const PAGE = 20;

function apiError(res: Response, status: number, errorCode: number, errorMessage: string): void {
  res.status(status).json({ errorCode, errorMessage });
}

const ERRORS = {
  invalidTransactionId: [400, 4000006, 'Invalid transaction id.'],
  invalidRevision: [400, 4000005, 'Invalid request revision.'],
  invalidStatus: [400, 4000031, 'Invalid request. The status parameter is invalid.'],
  invalidSort: [400, 4000021, 'Invalid request. The sort parameter is invalid.'],
  invalidStartDate: [400, 4000015, 'Invalid request. The start date is not a timestamp value represented in milliseconds.'],
  invalidEndDate: [400, 4000016, 'Invalid request. The end date is not a timestamp value represented in milliseconds.'],
  startAfterEnd: [400, 4000013, 'Invalid request. The start date is later than the end date.'],
  invalidPaginationToken: [400, 4000014, 'Invalid request. The pagination token is invalid.'],
  transactionNotFound: [404, 4040010, 'Transaction id not found.'],
  urlNotFound: [404, 4040007, 'An error that indicates that the App Store server couldn’t find a notifications URL for your app in this environment.'],
  testNotificationNotFound: [404, 4040008, 'An error that indicates that the test notification token is expired or the test notification status isn’t available.'],
} as const;

const fail = (res: Response, e: readonly [number, number, string]) => apiError(res, e[0], e[1], e[2]);

/** Query values as a list (`?a=1&a=2` or `?a=1`). */
function list(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function lookup(ctx: Ctx, req: Request, res: Response): { subscription: SubscriptionRecord; transaction: TransactionRecord } | undefined {
  const id = String(req.params.transactionId ?? '');
  if (!/^\d{1,20}$/.test(id)) {
    fail(res, ERRORS.invalidTransactionId);
    return undefined;
  }
  const found = ctx.state.subscriptionOfTransaction(id);
  if (!found) fail(res, ERRORS.transactionNotFound);
  return found;
}

const encodeRevision = (n: number) => Buffer.from(`rev:${n}`).toString('base64url');
function decodeRevision(s: string): number | undefined {
  const m = /^rev:(\d+)$/.exec(Buffer.from(s, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

export function serverApiRoutes(ctx: Ctx): Router {
  const r = express.Router();
  const publicKey = createPublicKey(ctx.state.serverApi.privateKeyPem);

  r.use((req: Request, res: Response, next: NextFunction) => {
    const m = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    const reason = m
      ? checkBearer(m[1] as string, {
          publicKey,
          keyId: ctx.state.serverApi.keyId,
          issuerId: ctx.state.serverApi.issuerId,
          bundleId: ctx.bundleId,
        })
      : 'no bearer token';
    if (reason) {
      ctx.log(`server api: 401 ${req.method} ${req.path}: ${reason}`);
      res.status(401).type('text/plain').send('Unauthenticated\n');
      return;
    }
    next();
  });
  r.use(express.json({ limit: '1mb' }));

  // Get All Subscription Statuses
  r.get('/v1/subscriptions/:transactionId', async (req, res) => {
    const found = lookup(ctx, req, res);
    if (!found) return;
    const statuses = list(req.query.status);
    if (statuses.some((s) => !/^[1-5]$/.test(s))) return fail(res, ERRORS.invalidStatus);
    const now = Date.now();
    const sub = found.subscription;
    const status = statusOf(sub, now);
    const latest = latestTransaction(sub);
    const data =
      statuses.length && !statuses.includes(String(status))
        ? []
        : [
            {
              subscriptionGroupIdentifier: latest.subscriptionGroupIdentifier,
              lastTransactions: [
                {
                  status,
                  originalTransactionId: sub.originalTransactionId,
                  signedTransactionInfo: await signTransaction(ctx, latest, now),
                  signedRenewalInfo: await signRenewalInfo(ctx, sub, now),
                },
              ],
            },
          ];
    res.json({ environment: ENVIRONMENT, bundleId: ctx.bundleId, appAppleId: ctx.appAppleId, data });
  });

  // Get Transaction Info
  r.get('/v1/transactions/:transactionId', async (req, res) => {
    const found = lookup(ctx, req, res);
    if (!found) return;
    res.json({ signedTransactionInfo: await signTransaction(ctx, found.transaction, Date.now()) });
  });

  // Get Transaction History (v1 and v2 answer alike here)
  r.get(['/v1/history/:transactionId', '/v2/history/:transactionId'], async (req, res) => {
    const found = lookup(ctx, req, res);
    if (!found) return;
    const q = req.query;
    const sort = q.sort === undefined ? 'ASCENDING' : String(q.sort);
    if (sort !== 'ASCENDING' && sort !== 'DESCENDING') return fail(res, ERRORS.invalidSort);
    const start = q.startDate === undefined ? undefined : Number(q.startDate);
    const end = q.endDate === undefined ? undefined : Number(q.endDate);
    if (start !== undefined && !Number.isFinite(start)) return fail(res, ERRORS.invalidStartDate);
    if (end !== undefined && !Number.isFinite(end)) return fail(res, ERRORS.invalidEndDate);
    if (start !== undefined && end !== undefined && start > end) return fail(res, ERRORS.startAfterEnd);
    const offset = q.revision === undefined ? 0 : decodeRevision(String(q.revision));
    if (offset === undefined) return fail(res, ERRORS.invalidRevision);
    const productIds = list(q.productId);
    const productTypes = list(q.productType);
    const groups = list(q.subscriptionGroupIdentifier);
    let txs = found.subscription.transactions.filter(
      (t) =>
        (start === undefined || t.purchaseDate >= start) &&
        (end === undefined || t.purchaseDate < end) &&
        (!productIds.length || productIds.includes(t.productId)) &&
        (!productTypes.length || productTypes.includes('AUTO_RENEWABLE')) &&
        (!groups.length || groups.includes(t.subscriptionGroupIdentifier)) &&
        (q.inAppOwnershipType === undefined || q.inAppOwnershipType === t.inAppOwnershipType) &&
        (q.revoked === undefined || String(t.revocationDate !== undefined) === String(q.revoked)),
    );
    if (sort === 'DESCENDING') txs = [...txs].reverse();
    const page = txs.slice(offset, offset + PAGE);
    const now = Date.now();
    res.json({
      revision: encodeRevision(offset + page.length),
      hasMore: offset + page.length < txs.length,
      bundleId: ctx.bundleId,
      appAppleId: ctx.appAppleId,
      environment: ENVIRONMENT,
      signedTransactions: await Promise.all(page.map((t) => signTransaction(ctx, t, now))),
    });
  });

  // Get Refund History
  r.get('/v2/refund/lookup/:transactionId', async (req, res) => {
    const found = lookup(ctx, req, res);
    if (!found) return;
    const offset = req.query.revision === undefined ? 0 : decodeRevision(String(req.query.revision));
    if (offset === undefined) return fail(res, ERRORS.invalidRevision);
    const refunded = found.subscription.transactions.filter((t) => t.revocationType === 'REFUND_FULL' || t.revocationType === 'REFUND_PRORATED');
    const page = refunded.slice(offset, offset + PAGE);
    const now = Date.now();
    res.json({
      signedTransactions: await Promise.all(page.map((t) => signTransaction(ctx, t, now))),
      revision: encodeRevision(offset + page.length),
      hasMore: offset + page.length < refunded.length,
    });
  });

  // Request a Test Notification
  r.post('/v1/notifications/test', async (_req, res) => {
    if (!ctx.notificationUrl) return fail(res, ERRORS.urlNotFound);
    const testNotificationToken = `${randomUUID()}_${Date.now()}`;
    await testNotification(ctx, { testNotificationToken });
    res.json({ testNotificationToken });
  });

  // Get Test Notification Status
  r.get('/v1/notifications/test/:token', (req, res) => {
    const n = ctx.state.notifications.find((x) => x.testNotificationToken && x.testNotificationToken === req.params.token);
    if (!n) return fail(res, ERRORS.testNotificationNotFound);
    res.json({ signedPayload: n.signedPayload, sendAttempts: n.sendAttempts });
  });

  // Get Notification History
  r.post('/v1/notifications/history', (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const start = Number(b.startDate);
    const end = Number(b.endDate);
    if (b.startDate === undefined || !Number.isFinite(start)) return fail(res, ERRORS.invalidStartDate);
    if (b.endDate === undefined || !Number.isFinite(end)) return fail(res, ERRORS.invalidEndDate);
    if (start > end) return fail(res, ERRORS.startAfterEnd);
    const token = req.query.paginationToken;
    const offset = token === undefined ? 0 : decodeRevision(String(token));
    if (offset === undefined) return fail(res, ERRORS.invalidPaginationToken);
    let originals: Set<string> | undefined;
    if (b.transactionId !== undefined) {
      const found = ctx.state.subscriptionOfTransaction(String(b.transactionId));
      if (!found) return fail(res, ERRORS.transactionNotFound);
      originals = new Set([found.subscription.originalTransactionId]);
    }
    const matching = ctx.state.notifications.filter(
      (n) =>
        n.signedDate >= start &&
        n.signedDate < end &&
        (b.notificationType === undefined || n.notificationType === b.notificationType) &&
        (b.notificationSubtype === undefined || n.subtype === b.notificationSubtype) &&
        (!originals || (n.originalTransactionId !== undefined && originals.has(n.originalTransactionId))) &&
        (!b.onlyFailures || !n.delivered),
    );
    const page = matching.slice(offset, offset + PAGE);
    const hasMore = offset + page.length < matching.length;
    const body: Record<string, unknown> = {
      notificationHistory: page.map((n) => ({ signedPayload: n.signedPayload, sendAttempts: n.sendAttempts })),
      hasMore,
    };
    if (hasMore) body.paginationToken = encodeRevision(offset + page.length);
    res.json(body);
  });

  r.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not Found\n');
  });
  return r;
}
