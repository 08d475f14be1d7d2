import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { UserEntity } from '../accounts/user.entity';

export type StoreName = 'stripe' | 'app_store' | 'promotional';

/** Crossbill's store-independent status (DESIGN.md, Data model). */
export type NormalizedStatus =
  | 'incomplete'
  | 'trialing'
  | 'active'
  | 'in_grace_period'
  | 'in_billing_retry'
  | 'paused'
  | 'expired'
  | 'revoked';

export type StoreEnvironment = 'production' | 'sandbox' | 'test';

/** One subscription in one store, as Crossbill last learnt it. Entitlements derive from these rows. */
@Entity({ name: 'store_subscription' })
@Index('store_subscription_store_id_key', ['store', 'storeId'], { unique: true })
@Index('store_subscription_user_id_idx', ['userId'])
@Check('store_subscription_store_check', `"store" IN ('stripe', 'app_store', 'promotional')`)
@Check(
  'store_subscription_status_check',
  `"status" IN ('incomplete', 'trialing', 'active', 'in_grace_period', 'in_billing_retry', 'paused', 'expired', 'revoked')`,
)
export class StoreSubscriptionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'store_subscription_pkey' })
  id!: string;

  @Column({ type: 'text' })
  store!: StoreName;

  /** Stripe subscription id, or App Store original transaction id. */
  @Column({ name: 'store_id', type: 'text' })
  storeId!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'store_subscription_user_id_fkey' })
  user?: UserEntity;

  /** Null when the store sold something the catalogue does not (or no longer) know. */
  @Column({ name: 'plan_key', type: 'text', nullable: true })
  planKey!: string | null;

  /** Stripe price id / App Store product id. */
  @Column({ name: 'product_id', type: 'text' })
  productId!: string;

  @Column({ type: 'text' })
  status!: NormalizedStatus;

  /** The store's own status word (Stripe `past_due`, …), for support and debugging. */
  @Column({ name: 'store_status', type: 'text' })
  storeStatus!: string;

  @Column({ name: 'current_period_end', type: 'timestamptz', nullable: true })
  currentPeriodEnd!: Date | null;

  @Column({ name: 'will_renew', type: 'boolean' })
  willRenew!: boolean;

  @Column({ name: 'grace_period_end', type: 'timestamptz', nullable: true })
  gracePeriodEnd!: Date | null;

  @Column({ name: 'canceled_at', type: 'timestamptz', nullable: true })
  canceledAt!: Date | null;

  @Column({ type: 'text' })
  environment!: StoreEnvironment;

  /** When the store state we hold was true; an older event never overwrites a newer one. */
  @Column({ name: 'last_event_at', type: 'timestamptz' })
  lastEventAt!: Date;

  /** The store's object as last fetched (Stripe subscription, App Store transaction + renewal info). */
  @Column({ type: 'jsonb' })
  raw!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
