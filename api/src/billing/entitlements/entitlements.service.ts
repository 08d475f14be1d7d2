import type { DataSource } from 'typeorm';
import type { Logger } from '../../platform/logger';
import type { PgPubSub } from '../../platform/pubsub/pg-pubsub';
import { enqueueOutgoingEvent } from '../../platform/outgoing-webhooks/outgoing-webhooks';
import { managementUrl } from '../management-url';
import { StoreSubscriptionEntity, type StoreName } from '../store-subscription.entity';
import { entitlementSummary } from '../store-subscription.repository';
import { computeEntitlements, hasDuplicateSubscriptions, type Entitlement } from './entitlements';


/** Entitlements read from the store subscriptions, and the clock that makes expiries live. */
export class EntitlementsService {
  private watch: NodeJS.Timeout | undefined;
  private lastCheck = new Date();

  constructor(
    private readonly dataSource: DataSource,
    private readonly pubsub: PgPubSub,
    private readonly options: { publicWebUrl: string; expiryCheckSeconds: number },
    private readonly log: Logger,
  ) {}

  managementUrl = (store: StoreName): string | null => managementUrl(store, this.options.publicWebUrl);

  async forUser(userId: string, now = new Date()): Promise<{ entitlements: Entitlement[]; duplicate: boolean }> {
    const subscriptions = await this.dataSource.getRepository(StoreSubscriptionEntity).findBy({ userId });
    return { entitlements: computeEntitlements(subscriptions, now, this.managementUrl), duplicate: hasDuplicateSubscriptions(subscriptions, now) };
  }

  /** The access token's `ent` claim: active keys → end of access in epoch seconds (null = no end). */
  async claims(userId: string): Promise<Record<string, number | null>> {
    const { entitlements } = await this.forUser(userId);
    return Object.fromEntries(
      entitlements.filter((e) => e.active).map((e) => [e.key, e.expiresAt ? Math.floor(e.expiresAt.getTime() / 1000) : null]),
    );
  }

  /**
   * Entitlements are computed at read time, so an expiry is right whenever anyone asks; this
   * clock tells live clients too: every few seconds it finds accesses that ended since the
   * last look and pushes to this instance's subscribers (each instance watches for its own).
   */
  startExpiryWatch(): void {
    if (this.options.expiryCheckSeconds <= 0) return;
    this.watch = setInterval(() => void this.publishExpiries(), this.options.expiryCheckSeconds * 1000);
    this.watch.unref();
  }

  stop(): void {
    if (this.watch) clearInterval(this.watch);
  }

  async publishExpiries(): Promise<void> {
    const from = this.lastCheck;
    const to = new Date();
    this.lastCheck = to;
    try {
      const rows: Array<{ id: string; user_id: string; ended: Date }> = await this.dataSource.query(
        `SELECT id, user_id, CASE WHEN grace_period_end > $1 AND grace_period_end <= $2 THEN grace_period_end ELSE current_period_end END AS ended
           FROM store_subscription
          WHERE (current_period_end > $1 AND current_period_end <= $2) OR (grace_period_end > $1 AND grace_period_end <= $2)`,
        [from, to],
      );
      for (const row of rows) {
        this.pubsub.emitLocal({ type: 'subscriptions', userId: row.user_id });
        // Every instance sees the same expiry; the dedupe key makes it one webhook event.
        const subscriptions = await this.dataSource.getRepository(StoreSubscriptionEntity).findBy({ userId: row.user_id });
        await enqueueOutgoingEvent(this.dataSource.manager, {
          type: 'entitlements.updated',
          userId: row.user_id,
          payload: { userId: row.user_id, ...entitlementSummary(subscriptions, new Date()) },
          dedupeKey: `expiry:${row.id}:${new Date(row.ended).getTime()}`,
        });
      }
    } catch (error) {
      this.log.error({ err: error }, 'expiry watch failed');
    }
  }
}
