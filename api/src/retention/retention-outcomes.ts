import type { DataSource } from 'typeorm';
import { StoreSubscriptionEntity } from '../billing/store-subscription.entity';
import type { Logger } from '../platform/logger';
import { CancelSessionEntity } from './cancel-session.entity';

const ABANDON_AFTER_HOURS = 24;
export const SAVE_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;

/** Asks the subscription's store for its current state and stores it (the 30-day check is against the store). */
export type StoreRefresher = (subscription: StoreSubscriptionEntity) => Promise<void>;

/** The flow's own outcomes that already mean "left" when nothing could happen in a store (test mode). */
const LEAVING_OUTCOMES = ['canceled', 'cancel_opted_out', 'manage_in_app_store'];

/**
 * The clock side of the retention flow: sessions with no outcome after 24 h become `abandoned`;
 * 30 days after a session, its subscription is refreshed from the store and the session is
 * `saved` unless a cancellation was seen within the window (then it is `lost`; attribution
 * usually marks that earlier, as the store reports it).
 */
export class RetentionOutcomes {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly refreshers: Partial<Record<'stripe' | 'app_store', StoreRefresher>>,
    private readonly log: Logger,
  ) {}

  /** Runs now and then every `intervalSeconds` (0: never on a timer). */
  start(intervalSeconds: number): void {
    if (intervalSeconds <= 0) return;
    const tick = () => {
      this.running ??= this.run(new Date())
        .then(() => undefined)
        .catch((error) => this.log.error({ err: error }, 'retention outcomes run failed'))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, intervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async run(now: Date): Promise<{ abandoned: number; saved: number; lost: number }> {
    const abandoned = await this.markAbandoned(now);
    const { saved, lost } = await this.decide(now);
    if (abandoned || saved || lost) this.log.info({ abandoned, saved, lost }, 'retention outcomes updated');
    return { abandoned, saved, lost };
  }

  async markAbandoned(now: Date): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(CancelSessionEntity)
      .set({ outcome: 'abandoned', outcomeAt: now })
      .where('outcome IS NULL AND created_at <= :cutoff', { cutoff: new Date(now.getTime() - ABANDON_AFTER_HOURS * 3_600_000) })
      .execute();
    return result.affected ?? 0;
  }

  /** Sessions whose 30 days are over and that have no verdict yet, checked against the store. */
  async decide(now: Date, batch = 200): Promise<{ saved: number; lost: number }> {
    const sessions = await this.dataSource
      .getRepository(CancelSessionEntity)
      .createQueryBuilder('s')
      .where('s.verdict IS NULL AND s.created_at <= :cutoff', { cutoff: new Date(now.getTime() - SAVE_WINDOW_DAYS * DAY_MS) })
      .orderBy('s.created_at', 'ASC')
      .take(batch)
      .getMany();
    let saved = 0;
    let lost = 0;
    const refreshed = new Map<string, StoreSubscriptionEntity | null | undefined>();
    for (const session of sessions) {
      let verdict: 'saved' | 'lost';
      if (session.mode === 'test') {
        // Nothing happened in any store: the flow's own outcome is all there is.
        verdict = session.outcome && LEAVING_OUTCOMES.includes(session.outcome) ? 'lost' : 'saved';
      } else {
        if (!refreshed.has(session.subscriptionId)) refreshed.set(session.subscriptionId, await this.refresh(session.subscriptionId));
        const subscription = refreshed.get(session.subscriptionId);
        if (subscription === null) continue; // the store did not answer: try again on the next run
        const fresh = await this.dataSource.getRepository(CancelSessionEntity).findOneByOrFail({ id: session.id });
        if (fresh.verdict) continue; // the refresh itself attributed a cancellation
        const windowEnd = session.createdAt.getTime() + SAVE_WINDOW_DAYS * DAY_MS;
        const canceledInWindow = !!subscription?.canceledAt && subscription.canceledAt >= session.createdAt && subscription.canceledAt.getTime() <= windowEnd;
        verdict = fresh.canceledInStoreAt || canceledInWindow ? 'lost' : 'saved';
      }
      await this.dataSource
        .createQueryBuilder()
        .update(CancelSessionEntity)
        .set({ verdict, verdictAt: now })
        .where('id = :id AND verdict IS NULL', { id: session.id })
        .execute();
      if (verdict === 'saved') saved += 1;
      else lost += 1;
    }
    return { saved, lost };
  }

  /** The subscription as the store says it is now; undefined when gone, null when the store failed. */
  private async refresh(subscriptionId: string): Promise<StoreSubscriptionEntity | null | undefined> {
    const repository = this.dataSource.getRepository(StoreSubscriptionEntity);
    const subscription = await repository.findOneBy({ id: subscriptionId });
    if (!subscription) return undefined;
    const refresher = this.refreshers[subscription.store as 'stripe' | 'app_store'];
    if (refresher) {
      try {
        await refresher(subscription);
      } catch (error) {
        this.log.warn({ err: error, subscriptionId }, 'retention check: the store did not answer; retrying later');
        return null;
      }
    }
    return repository.findOneBy({ id: subscriptionId });
  }
}
