/**
 * App Store Server Notifications V2: the signed payload (`{ signedPayload }` POSTed as JSON to the
 * notification URL), its delivery, and retries with exponential backoff while the endpoint answers
 * anything but 2xx (Apple retries after 1, 12, 24, 48 and 72 hours; here `base`, 2·base, 4·base, …).
 */
import { randomUUID } from 'node:crypto';
import {
  Ctx,
  ENVIRONMENT,
  latestTransaction,
  signPayload,
  signRenewalInfo,
  signTransaction,
  statusOf,
} from './context';
import { decodeJws } from './jws';
import type { NotificationRecord, SendAttemptResult, SubscriptionRecord, TransactionRecord } from './state';

export interface NotificationOutcome {
  notificationType: string;
  subtype?: string;
  notificationUUID: string;
  /** The V2 notification as POSTed: `{ "signedPayload": … }`. */
  signedPayload: string;
  /** The transaction in the notification (signed at the notification's signedDate). */
  signedTransaction?: string;
  signedRenewalInfo?: string;
  /** Whether the first delivery attempt got a 2xx (retries continue in the background otherwise). */
  delivered: boolean;
}

export interface NotifyInput {
  notificationType: string;
  subtype?: string;
  signedDate: number;
  subscription?: SubscriptionRecord;
  /** Defaults to the subscription's latest transaction. */
  transaction?: TransactionRecord;
}

export async function buildNotification(
  ctx: Ctx,
  input: NotifyInput,
): Promise<{ payload: Record<string, unknown>; signedTransaction?: string; signedRenewalInfo?: string }> {
  const { subscription: sub, signedDate } = input;
  let data: Record<string, unknown>;
  let signedTransaction: string | undefined;
  let signedRenewalInfo: string | undefined;
  if (sub) {
    signedTransaction = await signTransaction(ctx, input.transaction ?? latestTransaction(sub), signedDate);
    signedRenewalInfo = await signRenewalInfo(ctx, sub, signedDate);
    data = {
      appAppleId: ctx.appAppleId,
      bundleId: ctx.bundleId,
      bundleVersion: ctx.bundleVersion,
      environment: ENVIRONMENT,
      signedTransactionInfo: signedTransaction,
      signedRenewalInfo,
      status: statusOf(sub, signedDate),
    };
  } else {
    data = { appAppleId: ctx.appAppleId, bundleId: ctx.bundleId, environment: ENVIRONMENT };
  }
  const payload: Record<string, unknown> = { notificationType: input.notificationType };
  if (input.subtype) payload.subtype = input.subtype;
  payload.notificationUUID = randomUUID();
  payload.data = data;
  payload.version = '2.0';
  payload.signedDate = signedDate;
  return { payload, signedTransaction, signedRenewalInfo };
}

/** Signs, records and sends a notification; resolves after the first delivery attempt. */
export async function notify(ctx: Ctx, input: NotifyInput, extra: Partial<NotificationRecord> = {}): Promise<NotificationOutcome> {
  const { payload, signedTransaction, signedRenewalInfo } = await buildNotification(ctx, input);
  const signedPayload = await signPayload(ctx, payload, input.signedDate);
  const record: NotificationRecord = {
    notificationUUID: payload.notificationUUID as string,
    notificationType: input.notificationType,
    subtype: input.subtype,
    signedDate: input.signedDate,
    originalTransactionId: input.subscription?.originalTransactionId,
    transactionId: input.subscription ? (input.transaction ?? latestTransaction(input.subscription)).transactionId : undefined,
    signedPayload,
    sendAttempts: [],
    delivered: false,
    ...extra,
  };
  ctx.state.notifications.push(record);
  ctx.state.save();
  ctx.log(`notification ${record.notificationType}${record.subtype ? `/${record.subtype}` : ''} ${record.notificationUUID}`);
  const delivered = await deliver(ctx, record);
  const outcome: NotificationOutcome = {
    notificationType: record.notificationType,
    ...(record.subtype ? { subtype: record.subtype } : {}),
    notificationUUID: record.notificationUUID,
    delivered,
    signedPayload,
  };
  if (signedTransaction) outcome.signedTransaction = signedTransaction;
  if (signedRenewalInfo) outcome.signedRenewalInfo = signedRenewalInfo;
  return outcome;
}

/**
 * Records and sends an already signed payload (a re-signed, stale or duplicate notification for the
 * API's tests). The payload is decoded only to label the record.
 */
export async function sendSignedPayload(ctx: Ctx, signedPayload: string): Promise<{ notificationUUID?: string; delivered: boolean }> {
  const { payload } = decodeJws<Record<string, unknown>>(signedPayload);
  const record: NotificationRecord = {
    notificationUUID: typeof payload.notificationUUID === 'string' ? payload.notificationUUID : randomUUID(),
    notificationType: String(payload.notificationType ?? 'UNKNOWN'),
    subtype: typeof payload.subtype === 'string' ? payload.subtype : undefined,
    signedDate: typeof payload.signedDate === 'number' ? payload.signedDate : Date.now(),
    signedPayload,
    sendAttempts: [],
    delivered: false,
  };
  ctx.state.notifications.push(record);
  ctx.state.save();
  return { notificationUUID: record.notificationUUID, delivered: await deliver(ctx, record) };
}

function sleep(ctx: Ctx, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ctx.timers.delete(timer);
      resolve();
    }, ms);
    ctx.timers.set(timer, resolve);
  });
}

async function attempt(url: string, signedPayload: string): Promise<SendAttemptResult> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'Crossbill-AppStore-Sandbox/1.0' },
      body: JSON.stringify({ signedPayload }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? 'SUCCESS' : 'UNSUCCESSFUL_HTTP_RESPONSE_CODE';
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'TIMED_OUT';
    const code = e.cause?.code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') return 'NO_RESPONSE';
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'SOCKET_ISSUE';
    return 'OTHER';
  }
}

/** Starts delivery (first attempt now, retries in the background); resolves with the first attempt's success. */
export function deliver(ctx: Ctx, record: NotificationRecord): Promise<boolean> {
  const url = ctx.notificationUrl;
  if (!url || ctx.closed) return Promise.resolve(false);
  record.url = url;
  let resolveFirst!: (ok: boolean) => void;
  const first = new Promise<boolean>((resolve) => (resolveFirst = resolve));
  const run = (async () => {
    try {
      for (let n = 1; n <= ctx.notificationMaxAttempts; n++) {
        if (n > 1) await sleep(ctx, ctx.notificationRetryBaseMs * 2 ** (n - 2));
        if (ctx.closed) return;
        const result = await attempt(url, record.signedPayload);
        record.sendAttempts.push({ attemptDate: Date.now(), sendAttemptResult: result });
        if (result === 'SUCCESS') record.delivered = true;
        ctx.state.save();
        ctx.log(`delivery ${record.notificationUUID} attempt ${n}: ${result}`);
        if (n === 1) resolveFirst(record.delivered);
        if (record.delivered) return;
      }
      ctx.log(`delivery ${record.notificationUUID}: gave up after ${ctx.notificationMaxAttempts} attempts`);
    } finally {
      resolveFirst(record.delivered);
    }
  })();
  ctx.pending.add(run);
  void run.finally(() => ctx.pending.delete(run));
  return first;
}

/** Resolves when every delivery started so far has succeeded or given up. */
export async function idle(ctx: Ctx): Promise<void> {
  while (ctx.pending.size > 0) await Promise.all([...ctx.pending]);
}
