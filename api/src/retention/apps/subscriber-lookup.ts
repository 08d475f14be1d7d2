import { In, type DataSource } from 'typeorm';
import { UserEntity } from '../../accounts/user.entity';
import { StoreSubscriptionEntity } from '../../billing/store-subscription.entity';
import { StripeCustomerEntity } from '../../billing/stripe/stripe-customer.entity';
import { LIVE_STATUSES } from '../../billing/subscriptions.service';
import { isUuid } from '../../platform/validation';

/** Stores whose subscriptions a cancel flow can act on (a promotional grant has nothing to cancel). */
const CANCELLABLE_STORES = ['stripe', 'app_store'] as const;

/**
 * How an app names its subscribers and their subscriptions, in the ids it knows: ours, Stripe's,
 * or the App Store original transaction id. Answers null/empty rather than throwing, so each
 * caller chooses how much a miss may reveal.
 */
export class SubscriberLookup {
  constructor(private readonly dataSource: DataSource) {}

  /** By Crossbill id (uuid), Stripe subscription id (sub_…) or App Store original transaction id. */
  async subscription(ref: string): Promise<StoreSubscriptionEntity | null> {
    const repo = this.dataSource.getRepository(StoreSubscriptionEntity);
    if (isUuid(ref)) {
      const byId = await repo.findOneBy({ id: ref });
      if (byId) return byId;
    }
    return repo.findOneBy({ store: In([...CANCELLABLE_STORES]), storeId: ref });
  }

  /** The user a customer id names: Crossbill's user id, or the Stripe customer id (cus_…). */
  async userIdForCustomer(customerId: string): Promise<string | null> {
    if (isUuid(customerId)) {
      const user = await this.dataSource.getRepository(UserEntity).findOne({ where: { id: customerId }, select: { id: true } });
      return user?.id ?? null;
    }
    const customer = await this.dataSource.getRepository(StripeCustomerEntity).findOneBy({ customerId });
    return customer?.userId ?? null;
  }

  /** Emails are stored lower-case and unique, so an address names at most one user. */
  async userIdForEmail(email: string): Promise<string | null> {
    const user = await this.dataSource.getRepository(UserEntity).findOne({ where: { email: email.trim().toLowerCase() }, select: { id: true } });
    return user?.id ?? null;
  }

  async emailOf(userId: string): Promise<string | null> {
    const user = await this.dataSource.getRepository(UserEntity).findOne({ where: { id: userId }, select: { id: true, email: true } });
    return user?.email ?? null;
  }

  /** The user's subscriptions that a cancel flow could act on now. */
  liveSubscriptions(userId: string): Promise<StoreSubscriptionEntity[]> {
    return this.dataSource.getRepository(StoreSubscriptionEntity).find({
      where: { userId, store: In([...CANCELLABLE_STORES]), status: In([...LIVE_STATUSES]) },
      order: { createdAt: 'ASC' },
    });
  }
}
