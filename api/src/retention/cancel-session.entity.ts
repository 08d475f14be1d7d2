import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from '../accounts/user.entity';

/** One run of the retention flow: why, what was offered, what happened, what was at stake. */
@Entity({ name: 'cancel_session' })
@Index('cancel_session_user_id_idx', ['userId'])
@Index('cancel_session_created_at_idx', ['createdAt'])
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

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
