import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

/** An event for the app's own backend (an outbox row, written in the transaction that caused it). */
@Entity({ name: 'outgoing_event' })
@Index('outgoing_event_dedupe_key_key', ['dedupeKey'], { unique: true })
@Index('outgoing_event_created_at_idx', ['createdAt'])
export class OutgoingEventEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'outgoing_event_pkey' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  /** Set when several writers may raise the same event (e.g. an expiry seen by every instance). */
  @Column({ name: 'dedupe_key', type: 'text', nullable: true })
  dedupeKey!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** One event to one endpoint: attempts, outcome, next try. The delivery log. */
@Entity({ name: 'outgoing_delivery' })
@Index('outgoing_delivery_event_endpoint_key', ['eventId', 'endpoint'], { unique: true })
@Index('outgoing_delivery_pending_idx', ['nextAttemptAt'], { where: '"delivered_at" IS NULL' })
export class OutgoingDeliveryEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'outgoing_delivery_pkey' })
  id!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @ManyToOne(() => OutgoingEventEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'outgoing_delivery_event_id_fkey' })
  event?: OutgoingEventEntity;

  @Column({ type: 'text' })
  endpoint!: string;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
