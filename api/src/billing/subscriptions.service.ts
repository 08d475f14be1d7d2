import { In, type DataSource, type EntityManager } from 'typeorm';
import { AppError } from '../platform/errors';
import { isUuid } from '../platform/validation';
import { StoreSubscriptionEntity, type NormalizedStatus, type StoreName } from './store-subscription.entity';

/** Statuses of a subscription that is still alive: buying another one would double-bill. */
export const LIVE_STATUSES: readonly NormalizedStatus[] = ['trialing', 'active', 'in_grace_period', 'in_billing_retry', 'paused'];

const STORE_NAMES: Record<StoreName, string> = { stripe: 'the web (Stripe)', app_store: 'the App Store', promotional: 'a promotional grant' };

/** Store-independent reads of a user's subscriptions. */
export class SubscriptionsService {
  constructor(private readonly dataSource: DataSource) {}

  listForUser(userId: string): Promise<StoreSubscriptionEntity[]> {
    return this.dataSource.getRepository(StoreSubscriptionEntity).find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  /** The caller's subscription by Crossbill id; NOT_FOUND for anyone else's. */
  async findOwned(userId: string, id: string, manager: EntityManager = this.dataSource.manager): Promise<StoreSubscriptionEntity> {
    const found = isUuid(id) ? await manager.findOneBy(StoreSubscriptionEntity, { id, userId }) : null;
    if (!found) throw new AppError('NOT_FOUND', 'No such subscription.');
    return found;
  }

  /** Throws ALREADY_SUBSCRIBED (naming the store) when the user has a live subscription anywhere. */
  async assertNoLiveSubscription(userId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    const live = await manager.findOne(StoreSubscriptionEntity, {
      where: { userId, status: In([...LIVE_STATUSES]) },
      order: { currentPeriodEnd: 'DESC' },
    });
    if (live) {
      throw new AppError('ALREADY_SUBSCRIBED', `You already have a subscription through ${STORE_NAMES[live.store]}. Manage it there.`, {
        details: { store: live.store.toUpperCase(), subscriptionId: live.id },
      });
    }
  }
}
