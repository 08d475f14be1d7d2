/**
 * The sandbox's own HTTP control API (`/sandbox/...`, JSON in and out), which the CLI's player
 * commands use to drive a running sandbox. Not part of anything Apple has.
 */
import express, { Request, Response, Router } from 'express';
import * as commands from './commands';
import { Ctx, SandboxError, latestTransaction, statusOf } from './context';
import type { SubscriptionRecord } from './state';

const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

/** A readable view of a subscription (for `status` / `list`). */
export function describeSubscription(sub: SubscriptionRecord, now = Date.now()): Record<string, unknown> {
  const latest = latestTransaction(sub);
  return {
    originalTransactionId: sub.originalTransactionId,
    appAccountToken: sub.appAccountToken,
    state: sub.state,
    status: statusOf(sub, now),
    productId: latest.productId,
    expiresDate: iso(latest.expiresDate),
    autoRenewStatus: sub.autoRenewStatus,
    autoRenewProductId: sub.autoRenewProductId,
    gracePeriodExpiresDate: iso(sub.gracePeriodExpiresDate),
    expirationIntent: sub.expirationIntent,
    familyShared: sub.familyShared || undefined,
    transactions: sub.transactions.map((t) => ({
      transactionId: t.transactionId,
      productId: t.productId,
      transactionReason: t.transactionReason,
      purchaseDate: iso(t.purchaseDate),
      expiresDate: iso(t.expiresDate),
      revocationDate: iso(t.revocationDate),
      revocationType: t.revocationType,
      isUpgraded: t.isUpgraded,
    })),
  };
}

export interface ControlHooks {
  info: () => Record<string, unknown>;
  rootDer: () => Buffer;
  setNotificationUrl: (url: string) => void;
}

type Body = Record<string, unknown>;

function at(b: Body): Date | undefined {
  if (b.at === undefined || b.at === null || b.at === '') return undefined;
  const d = new Date(String(b.at));
  if (Number.isNaN(d.getTime())) throw new SandboxError(400, 'invalid_date', `at: ${JSON.stringify(b.at)} is not a date`);
  return d;
}

function id(b: Body): string {
  const v = b.originalTransactionId ?? b.id;
  if (v === undefined || v === '') throw new SandboxError(400, 'missing_original_transaction_id', 'originalTransactionId is required');
  return String(v);
}

const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));

/** Each control command: body → result. Names match the CLI's. */
export const CONTROL_COMMANDS: Record<string, (ctx: Ctx, b: Body) => Promise<unknown>> = {
  purchase: (ctx, b) =>
    commands.purchase(ctx, {
      productId: str(b.productId) ?? 'com.crossbill.pro.monthly',
      appAccountToken: str(b.appAccountToken),
      originalTransactionId: str(b.originalTransactionId),
      familyShared: b.familyShared === undefined ? undefined : Boolean(b.familyShared),
      at: at(b),
    }),
  renew: (ctx, b) => commands.renew(ctx, id(b), { at: at(b) }),
  'fail-renewal': (ctx, b) => commands.failRenewal(ctx, id(b), { at: at(b), grace: Boolean(b.grace) }),
  recover: (ctx, b) => commands.recover(ctx, id(b), { at: at(b) }),
  expire: (ctx, b) => commands.expire(ctx, id(b), { at: at(b) }),
  refund: (ctx, b) =>
    commands.refund(ctx, id(b), {
      at: at(b),
      reason: b.reason === undefined ? undefined : (Number(b.reason) as 0 | 1),
      transactionId: str(b.transactionId),
    }),
  revoke: (ctx, b) => commands.revoke(ctx, id(b), { at: at(b) }),
  'cancel-renewal': (ctx, b) => commands.cancelRenewal(ctx, id(b), { at: at(b) }),
  'resume-renewal': (ctx, b) => commands.resumeRenewal(ctx, id(b), { at: at(b) }),
  upgrade: (ctx, b) => commands.upgrade(ctx, id(b), { at: at(b), productId: str(b.productId) ?? '' }),
  'test-notification': (ctx, b) => commands.testNotification(ctx, { at: at(b) }),
};

function sendError(res: Response, err: unknown, ctx: Ctx): void {
  if (err instanceof SandboxError) {
    res.status(err.status).json({ error: { code: err.code, message: err.message } });
    return;
  }
  ctx.log(`error: ${(err as Error).stack ?? String(err)}`);
  res.status(500).json({ error: { code: 'sandbox_error', message: (err as Error).message ?? String(err) } });
}

export function controlRoutes(ctx: Ctx, hooks: ControlHooks): Router {
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));
  r.get('/', (_req, res) => res.json(hooks.info()));
  r.get('/root.cer', (_req, res) => {
    res.type('application/pkix-cert').send(hooks.rootDer());
  });
  r.get('/subscriptions', (_req, res) => {
    res.json({ data: ctx.state.subscriptions.map((s) => describeSubscription(s)) });
  });
  r.get('/subscriptions/:id', (req, res) => {
    const sub =
      ctx.state.subscription(req.params.id) ?? ctx.state.subscriptionOfTransaction(req.params.id)?.subscription;
    if (!sub) {
      sendError(res, new SandboxError(404, 'unknown_subscription', `No subscription or transaction ${req.params.id}`), ctx);
      return;
    }
    res.json(describeSubscription(sub));
  });
  r.get('/notifications', (_req, res) => {
    res.json({
      data: ctx.state.notifications.slice(-50).map((n) => ({
        notificationUUID: n.notificationUUID,
        notificationType: n.notificationType,
        subtype: n.subtype,
        signedDate: iso(n.signedDate),
        originalTransactionId: n.originalTransactionId,
        url: n.url,
        delivered: n.delivered,
        sendAttempts: n.sendAttempts.map((a) => ({ attemptDate: iso(a.attemptDate), sendAttemptResult: a.sendAttemptResult })),
      })),
    });
  });
  r.post('/notification-url', (req: Request, res: Response) => {
    const url = str((req.body as Body | undefined)?.url);
    try {
      if (!url || !/^https?:\/\//.test(url)) throw new SandboxError(400, 'invalid_url', 'url must be an http(s) URL');
      hooks.setNotificationUrl(url);
      res.json({ notificationUrl: url });
    } catch (err) {
      sendError(res, err, ctx);
    }
  });
  r.post('/:command', async (req: Request, res: Response) => {
    const name = String(req.params.command);
    const command = Object.prototype.hasOwnProperty.call(CONTROL_COMMANDS, name) ? CONTROL_COMMANDS[name] : undefined;
    if (!command) {
      sendError(
        res,
        new SandboxError(404, 'unknown_command', `Unknown command ${name}; known: ${Object.keys(CONTROL_COMMANDS).join(', ')}`),
        ctx,
      );
      return;
    }
    try {
      res.json(await command(ctx, (req.body ?? {}) as Body));
    } catch (err) {
      sendError(res, err, ctx);
    }
  });
  return r;
}
