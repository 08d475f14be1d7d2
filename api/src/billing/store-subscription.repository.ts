import type { EntityManager } from 'typeorm';
import { enqueueOutgoingEvent } from '../platform/outgoing-webhooks/outgoing-webhooks';
import { PgPubSub } from '../platform/pubsub/pg-pubsub';
import { isResumption, isSubscriberCancellation, recordStoreCancellation, withdrawStoreCancellation } from '../retention/cancellation-attribution';
import { computeEntitlements, hasDuplicateSubscriptions, type SubscriptionFacts } from './entitlements/entitlements';
import { StoreSubscriptionEntity, type NormalizedStatus, type StoreEnvironment, type StoreName } from './store-subscription.entity';

export interface StoreSubscriptionState {
  store: StoreName;
  storeId: string;
  userId: string;
  planKey: string | null;
  productId: string;
  status: NormalizedStatus;
  storeStatus: string;
  currentPeriodEnd: Date | null;
  willRenew: boolean;
  gracePeriodEnd: Date | null;
  canceledAt: Date | null;
  environment: StoreEnvironment;
  /** When the store state being written was true (event time or fetch start). */
  lastEventAt: Date;
  raw: unknown;
}

/**
 * Inserts or updates a store subscription. An update lands only when its `lastEventAt` is not
 * older than the stored one, so an old event or a slow fetch never overwrites newer state.
 * The owner (`user_id`) is set on insert only: changing ownership is an explicit decision.
 * Returns the row as it now is, and announces the change to live clients (after commit).
 */
export async function upsertStoreSubscription(manager: EntityManager, s: StoreSubscriptionState): Promise<StoreSubscriptionEntity> {
  const before = await manager.findBy(StoreSubscriptionEntity, { userId: s.userId });
  await manager.query(
    `INSERT INTO store_subscription
       (store, store_id, user_id, plan_key, product_id, status, store_status, current_period_end, will_renew,
        grace_period_end, canceled_at, environment, last_event_at, raw)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (store, store_id) DO UPDATE SET
       plan_key = EXCLUDED.plan_key, product_id = EXCLUDED.product_id, status = EXCLUDED.status,
       store_status = EXCLUDED.store_status, current_period_end = EXCLUDED.current_period_end,
       will_renew = EXCLUDED.will_renew, grace_period_end = EXCLUDED.grace_period_end,
       canceled_at = EXCLUDED.canceled_at, last_event_at = EXCLUDED.last_event_at, raw = EXCLUDED.raw,
       updated_at = now()
     WHERE store_subscription.last_event_at <= EXCLUDED.last_event_at`,
    [
      s.store, s.storeId, s.userId, s.planKey, s.productId, s.status, s.storeStatus, s.currentPeriodEnd,
      s.willRenew, s.gracePeriodEnd, s.canceledAt, s.environment, s.lastEventAt, JSON.stringify(s.raw),
    ],
  );
  const row = await manager.findOneByOrFail(StoreSubscriptionEntity, { store: s.store, storeId: s.storeId });
  const previous = before.find((b) => b.id === row.id);
  // The retention flow learns of cancellations (and resumptions) here, whichever store reports them.
  if (isSubscriberCancellation(previous, row)) await recordStoreCancellation(manager, row.id, row.canceledAt ?? s.lastEventAt);
  else if (isResumption(previous, row)) await withdrawStoreCancellation(manager, row.id, s.lastEventAt);
  // Live clients hear about it once this transaction commits (see PgPubSub), and the app's
  // backend gets a webhook when what the user may use changed (written in this transaction).
  await PgPubSub.notify(manager, { type: 'subscriptions', userId: row.userId });
  // After = before with this row written (no second read), unless the row turned out to be
  // someone else's (ownership is never changed here), whose list we then read.
  const after =
    row.userId === s.userId ? [...before.filter((b) => b.id !== row.id), row] : await manager.findBy(StoreSubscriptionEntity, { userId: row.userId });
  const now = new Date();
  const summary = entitlementSummary(after, now);
  if (JSON.stringify(entitlementSummary(before, now)) !== JSON.stringify(summary)) {
    await enqueueOutgoingEvent(manager, { type: 'entitlements.updated', userId: row.userId, payload: { userId: row.userId, ...summary } });
  }
  return row;
}

/** What the app's backend is told: the user's entitlements and whether two stores bill them. */
export function entitlementSummary(subscriptions: readonly SubscriptionFacts[], now: Date) {
  return { entitlements: computeEntitlements(subscriptions, now), duplicateSubscriptions: hasDuplicateSubscriptions(subscriptions, now) };
}
