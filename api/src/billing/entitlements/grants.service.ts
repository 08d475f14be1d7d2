import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Viewer } from '../../accounts/session.service';
import { UserEntity } from '../../accounts/user.entity';
import { AppError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { isUuid } from '../../platform/validation';
import { StoreSubscriptionEntity } from '../store-subscription.entity';
import { upsertStoreSubscription } from '../store-subscription.repository';
import { ENTITLEMENT_KEYS } from './entitlements';

/**
 * Promotional grants: an admin gives a user an entitlement (support goodwill, press, staff),
 * stored as a `promotional` store subscription so the one entitlement function treats it like
 * any store. Revoking marks it revoked; nothing is deleted. Callers pass an admin
 * (the resolvers check with `ctx.requireAdmin()`).
 */
export class GrantsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly log: Logger,
  ) {}

  async grant(admin: Viewer, input: { userId: string; key: string; expiresAt: Date | null; reason: string }): Promise<StoreSubscriptionEntity> {
    if (!ENTITLEMENT_KEYS.includes(input.key)) throw new AppError('BAD_USER_INPUT', 'Unknown entitlement.', { fields: [{ field: 'key', message: `One of: ${ENTITLEMENT_KEYS.join(', ')}` }] });
    const reason = input.reason.trim();
    if (!reason || reason.length > 500) throw new AppError('BAD_USER_INPUT', 'Give a reason (at most 500 characters).', { fields: [{ field: 'reason', message: 'Required.' }] });
    if (input.expiresAt && input.expiresAt <= new Date()) throw new AppError('BAD_USER_INPUT', 'The end must be in the future.', { fields: [{ field: 'expiresAt', message: 'In the past.' }] });
    const user = isUuid(input.userId) ? await this.dataSource.getRepository(UserEntity).findOneBy({ id: input.userId }) : null;
    if (!user) throw new AppError('NOT_FOUND', 'No such user.');
    const row = await this.dataSource.transaction((manager) =>
      upsertStoreSubscription(manager, {
        store: 'promotional',
        storeId: `grant_${randomUUID()}`,
        userId: user.id,
        planKey: null,
        productId: `grant:${input.key}`,
        status: 'active',
        storeStatus: 'granted',
        currentPeriodEnd: input.expiresAt,
        willRenew: false,
        gracePeriodEnd: null,
        canceledAt: null,
        environment: 'production',
        lastEventAt: new Date(),
        raw: { reason, grantedBy: admin.user.id, grantedAt: new Date().toISOString() },
      }),
    );
    this.log.info({ grantId: row.id, userId: user.id, key: input.key, by: admin.user.id }, 'entitlement granted');
    return row;
  }

  async revoke(admin: Viewer, id: string): Promise<StoreSubscriptionEntity> {
    const row = isUuid(id) ? await this.dataSource.getRepository(StoreSubscriptionEntity).findOneBy({ id, store: 'promotional' }) : null;
    if (!row) throw new AppError('NOT_FOUND', 'No such grant.');
    const updated = await this.dataSource.transaction((manager) =>
      upsertStoreSubscription(manager, {
        ...row,
        status: 'revoked',
        storeStatus: 'revoked',
        willRenew: false,
        canceledAt: new Date(),
        lastEventAt: new Date(),
        raw: { ...(row.raw as object), revokedBy: admin.user.id, revokedAt: new Date().toISOString() },
      }),
    );
    this.log.info({ grantId: row.id, by: admin.user.id }, 'grant revoked');
    return updated;
  }
}
