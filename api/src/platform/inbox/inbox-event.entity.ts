import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type InboxSource = 'stripe' | 'app_store';

/**
 * Every received webhook or store notification, stored before it is processed: insert or
 * ignore on (source, external id) makes redelivery harmless, `processed_at` marks the end,
 * and a failure keeps the row (attempts, last_error, next_attempt_at) for the retry loop.
 */
@Entity({ name: 'inbox_event' })
@Index('inbox_event_source_external_id_key', ['source', 'externalId'], { unique: true })
@Index('inbox_event_pending_idx', ['nextAttemptAt'], { where: '"processed_at" IS NULL' })
export class InboxEventEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'inbox_event_pkey' })
  id!: string;

  @Column({ type: 'text' })
  source!: InboxSource;

  /** Stripe event id, App Store notificationUUID. */
  @Column({ name: 'external_id', type: 'text' })
  externalId!: string;

  @Column({ type: 'text' })
  type!: string;

  /** When the store says the event happened (Stripe `created`, Apple `signedDate`). */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;
}
