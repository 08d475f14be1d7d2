import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Every email goes through this table (a transactional outbox): written in the same
 * transaction as the change that caused it, delivered afterwards by the dispatcher, retried
 * on failure. Without SMTP configured it is the development mailbox.
 */
@Entity({ name: 'mail_message' })
@Index('mail_message_pending_idx', ['nextAttemptAt'], { where: '"delivered_at" IS NULL' })
export class MailMessageEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'mail_message_pkey' })
  id!: string;

  @Column({ name: 'to_address', type: 'text' })
  to!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ name: 'text_body', type: 'text' })
  text!: string;

  @Column({ name: 'html_body', type: 'text' })
  html!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}
