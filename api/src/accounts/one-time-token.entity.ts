import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from './user.entity';

export type OneTimeTokenPurpose = 'verify_email' | 'reset_password';

/** Email verification and password reset tokens: stored hashed, expiring, single use. */
@Entity({ name: 'one_time_token' })
@Index('one_time_token_hash_key', ['tokenHash'], { unique: true })
@Index('one_time_token_user_id_idx', ['userId', 'purpose'])
@Check('one_time_token_purpose_check', `"purpose" IN ('verify_email', 'reset_password')`)
export class OneTimeTokenEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'one_time_token_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'one_time_token_user_id_fkey' })
  user?: UserEntity;

  @Column({ type: 'text' })
  purpose!: OneTimeTokenPurpose;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  /** The address the token was sent to: verifying proves this address, not whatever the user has now. */
  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
