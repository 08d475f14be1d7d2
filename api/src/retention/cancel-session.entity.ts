import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from '../accounts/user.entity';

/** One run of the retention flow: why, what was offered, what happened, what was at stake. */
@Entity({ name: 'cancel_session' })
@Index('cancel_session_user_id_idx', ['userId'])
@Index('cancel_session_created_at_idx', ['createdAt'])
@Index('cancel_session_subscription_id_idx', ['subscriptionId'])
export class CancelSessionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'cancel_session_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'cancel_session_user_id_fkey' })
  user?: UserEntity;

  /** Crossbill's store_subscription id. */
  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @Column({ type: 'text' })
  store!: 'stripe' | 'app_store';

  @Column({ type: 'text' })
  mode!: 'live' | 'test';

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  /** The offer shown (a copy of the configuration at the time). */
  @Column({ type: 'jsonb', nullable: true })
  offer!: unknown;

  @Column({ type: 'text', nullable: true })
  outcome!: string | null;

  @Column({ name: 'outcome_at', type: 'timestamptz', nullable: true })
  outcomeAt!: Date | null;

  /** Monthly amount at stake (smallest currency unit), for "revenue saved". */
  @Column({ name: 'amount_at_stake', type: 'integer', default: 0 })
  amountAtStake!: number;

  @Column({ type: 'text', default: 'usd' })
  currency!: string;

  /** How the flow was started: `account` (startCancelFlow), `token` (minted by the app's backend), `embed` (Vibess-style HMAC), `precancel` (server-to-server). */
  @Column({ type: 'text', default: 'account' })
  source!: 'account' | 'token' | 'embed' | 'precancel';

  /** The retention app whose key started it (embed, precancel). */
  @Column({ name: 'app_id', type: 'text', nullable: true })
  appId!: string | null;

  /** When the store reported the subscriber's cancellation, attributed to this session (within 30 days). */
  @Column({ name: 'canceled_in_store_at', type: 'timestamptz', nullable: true })
  canceledInStoreAt!: Date | null;

  /** `saved` once 30 days passed without a cancellation (checked against the store), `lost` on one. */
  @Column({ type: 'text', nullable: true })
  verdict!: 'saved' | 'lost' | null;

  @Column({ name: 'verdict_at', type: 'timestamptz', nullable: true })
  verdictAt!: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
