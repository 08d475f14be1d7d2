import {
  NotificationTypeV2,
  type AppStoreServerAPIClient,
  type JWSRenewalInfoDecodedPayload,
  type JWSTransactionDecodedPayload,
  type ResponseBodyV2DecodedPayload,
  type Status,
} from '@apple/app-store-server-library';
import { In, type DataSource, type EntityManager } from 'typeorm';
import type { Viewer } from '../../accounts/session.service';
import { UserEntity } from '../../accounts/user.entity';
import { AppError } from '../../platform/errors';
import type { InboxEventEntity } from '../../platform/inbox/inbox-event.entity';
import type { Logger } from '../../platform/logger';
import { PgPubSub } from '../../platform/pubsub/pg-pubsub';
import { StoreSubscriptionEntity } from '../store-subscription.entity';
import { upsertStoreSubscription } from '../store-subscription.repository';
import type { AppleVerifier } from './apple-verifier';
import { appStoreSubscriptionState } from './appstore-state';

/** "ada@example.com" → "a***@example.com": enough to recognise, not enough to harvest. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

/** What the inbox stores for an App Store notification: the signed original and its decoded form. */
export interface StoredNotification {
  signedPayload: string;
  notification: ResponseBodyV2DecodedPayload;
}

/**
 * App Store subscriptions: purchases verified from the app, Server Notifications V2, and
 * reconciliation through the App Store Server API. One original transaction id belongs to one
 * user (docs/decisions/0010).
 */
export class AppStoreService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly verifier: AppleVerifier,
    private readonly api: AppStoreServerAPIClient | null,
    private readonly options: { ownershipPolicy: 'keep' | 'transfer' },
    private readonly log: Logger,
  ) {}

  /** The app sends `transaction.jwsRepresentation` right after a purchase; it finishes the transaction only when this succeeds. */
  async verifyTransaction(viewer: Viewer, signedTransaction: string): Promise<StoreSubscriptionEntity> {
    const transaction = await this.verifier.verifyTransaction(signedTransaction);
    if (!transaction.originalTransactionId || !transaction.expiresDate) {
      throw new AppError('BAD_USER_INPUT', 'This App Store transaction is not a subscription.');
    }
    const fetched = await this.statusFromApple(transaction.originalTransactionId).catch((error) => {
      this.log.warn({ err: error }, 'App Store Server API unavailable; using the transaction alone');
      return null;
    });
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('appstore:' || $1, 0))`, [transaction.originalTransactionId]);
      await this.claim(manager, viewer.user, transaction);
      const latest = fetched?.transaction ?? transaction;
      return upsertStoreSubscription(manager, {
        store: 'app_store',
        storeId: transaction.originalTransactionId!,
        userId: viewer.user.id,
        ...appStoreSubscriptionState({ transaction: latest, renewal: fetched?.renewal, status: fetched?.status }),
        lastEventAt: new Date(fetched ? Date.now() : (latest.signedDate ?? Date.now())),
        raw: { transaction: latest, renewal: fetched?.renewal ?? null },
      });
    });
  }

  /** Restore: every transaction the device has, each verified and claimed; failures say which. */
  async restore(viewer: Viewer, signedTransactions: string[]): Promise<StoreSubscriptionEntity[]> {
    if (signedTransactions.length > 50) throw new AppError('BAD_USER_INPUT', 'At most 50 transactions at once.');
    const restored = new Map<string, StoreSubscriptionEntity>();
    for (const jws of signedTransactions) {
      const row = await this.verifyTransaction(viewer, jws);
      restored.set(row.id, row);
    }
    return [...restored.values()];
  }

  /** The inbox handler for App Store notifications. */
  async handleNotification(event: InboxEventEntity, manager: EntityManager): Promise<void> {
    const { notification } = event.payload as StoredNotification;
    const type = notification.notificationType;
    if (type === NotificationTypeV2.TEST || type === NotificationTypeV2.CONSUMPTION_REQUEST) {
      this.log.info({ type, notificationUUID: notification.notificationUUID }, 'App Store notification acknowledged');
      return;
    }
    const data = notification.data;
    if (!data?.signedTransactionInfo) {
      this.log.info({ type, subtype: notification.subtype }, 'App Store notification without a transaction; stored only');
      return;
    }
    const transaction = await this.verifier.verifyTransaction(data.signedTransactionInfo);
    const renewal = data.signedRenewalInfo ? await this.verifier.verifyRenewalInfo(data.signedRenewalInfo) : null;
    const originalId = transaction.originalTransactionId;
    if (!originalId) return;
    const owner = await this.ownerOf(manager, originalId, transaction.appAccountToken);
    if (!owner) {
      this.log.warn({ originalTransactionId: originalId, type }, 'App Store notification for a purchase no account has claimed yet');
      return;
    }
    await upsertStoreSubscription(manager, {
      store: 'app_store',
      storeId: originalId,
      userId: owner,
      ...appStoreSubscriptionState({ transaction, renewal, status: (data.status as Status | undefined) ?? null }),
      lastEventAt: new Date(notification.signedDate ?? event.occurredAt.getTime()),
      raw: { transaction, renewal, notificationType: type, subtype: notification.subtype ?? null },
    });
    this.log.info({ originalTransactionId: originalId, type, subtype: notification.subtype }, 'App Store notification applied');
  }

  /**
   * Asks Apple for the current state of the user's App Store subscriptions and stores it: the
   * periodic job and restore use it to heal what a missed notification left behind.
   */
  async reconcile(originalTransactionIds?: string[]): Promise<number> {
    if (!this.api) return 0;
    const rows = await this.dataSource.getRepository(StoreSubscriptionEntity).find({
      where: originalTransactionIds ? { store: 'app_store', storeId: In(originalTransactionIds) } : { store: 'app_store', status: In(['active', 'in_grace_period', 'in_billing_retry', 'trialing']) },
    });
    let healed = 0;
    for (const row of rows) {
      const fetchedAt = new Date();
      const fetched = await this.statusFromApple(row.storeId);
      if (!fetched) continue;
      const before = row.status;
      const after = await upsertStoreSubscription(this.dataSource.manager, {
        store: 'app_store',
        storeId: row.storeId,
        userId: row.userId,
        ...appStoreSubscriptionState({ transaction: fetched.transaction, renewal: fetched.renewal, status: fetched.status }),
        lastEventAt: fetchedAt,
        raw: { transaction: fetched.transaction, renewal: fetched.renewal },
      });
      if (after.status !== before || after.currentPeriodEnd?.getTime() !== row.currentPeriodEnd?.getTime()) healed += 1;
    }
    if (healed) this.log.info({ healed }, 'App Store reconcile healed subscriptions');
    return healed;
  }

  /**
   * Binds the purchase to the caller, or refuses. The transaction's appAccountToken, when
   * present, must be the caller's; without one (older purchases) the first caller gets it.
   * An owner who is someone else keeps it (`keep`) or loses it to the caller (`transfer`).
   */
  private async claim(manager: EntityManager, caller: UserEntity, transaction: JWSTransactionDecodedPayload): Promise<void> {
    const originalId = transaction.originalTransactionId!;
    const existing = await manager.findOneBy(StoreSubscriptionEntity, { store: 'app_store', storeId: originalId });
    if (existing) {
      if (existing.userId === caller.id) return;
      const owner = await manager.findOneBy(UserEntity, { id: existing.userId });
      if (this.options.ownershipPolicy === 'keep') throw this.ownedByOther(owner);
      await manager.update(StoreSubscriptionEntity, existing.id, { userId: caller.id });
      await PgPubSub.notify(manager, { type: 'subscriptions', userId: existing.userId }); // the previous owner loses it, live
      this.log.warn({ originalTransactionId: originalId, from: existing.userId, to: caller.id }, 'App Store purchase transferred (transfer policy)');
      return;
    }
    if (transaction.appAccountToken && transaction.appAccountToken.toLowerCase() !== caller.appAccountToken) {
      const tokenOwner = await manager.findOneBy(UserEntity, { appAccountToken: transaction.appAccountToken.toLowerCase() });
      if (this.options.ownershipPolicy === 'keep') throw this.ownedByOther(tokenOwner);
    }
  }

  private ownedByOther(owner: UserEntity | null): AppError {
    return new AppError(
      'APPLE_PURCHASE_OWNED_BY_OTHER_ACCOUNT',
      owner ? `This App Store purchase belongs to another account (${maskEmail(owner.email)}). Sign in with that account to use it.` : undefined,
      { details: { ownerHint: owner ? maskEmail(owner.email) : null } },
    );
  }

  private async ownerOf(manager: EntityManager, originalTransactionId: string, appAccountToken: string | undefined): Promise<string | null> {
    const existing = await manager.findOneBy(StoreSubscriptionEntity, { store: 'app_store', storeId: originalTransactionId });
    if (existing) return existing.userId;
    if (!appAccountToken) return null;
    const user = await manager.findOneBy(UserEntity, { appAccountToken: appAccountToken.toLowerCase() });
    return user?.id ?? null;
  }

  private async statusFromApple(originalTransactionId: string): Promise<{
    transaction: JWSTransactionDecodedPayload;
    renewal: JWSRenewalInfoDecodedPayload | null;
    status: Status | null;
  } | null> {
    if (!this.api) return null;
    const response = await this.api.getAllSubscriptionStatuses(originalTransactionId);
    for (const group of response.data ?? []) {
      for (const last of group.lastTransactions ?? []) {
        if (last.originalTransactionId !== originalTransactionId || !last.signedTransactionInfo) continue;
        const transaction = await this.verifier.verifyTransaction(last.signedTransactionInfo);
        const renewal = last.signedRenewalInfo ? await this.verifier.verifyRenewalInfo(last.signedRenewalInfo) : null;
        return { transaction, renewal, status: (last.status as Status | undefined) ?? null };
      }
    }
    return null;
  }
}
