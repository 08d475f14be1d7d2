import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { UserEntity } from '../user.entity';

export type IdentityProviderName = 'google' | 'apple';

/** A Google or Apple account linked to a user: at most one per provider per user. */
@Entity({ name: 'identity' })
@Index('identity_provider_subject_key', ['provider', 'subject'], { unique: true })
@Index('identity_user_id_provider_key', ['userId', 'provider'], { unique: true })
@Check('identity_provider_check', `"provider" IN ('google', 'apple')`)
export class IdentityEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'identity_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'identity_user_id_fkey' })
  user?: UserEntity;

  @Column({ type: 'text' })
  provider!: IdentityProviderName;

  /** The provider's stable user id (`sub`). */
  @Column({ type: 'text' })
  subject!: string;

  /** The provider's email for this account, as last seen (Apple: possibly a private relay address). */
  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ name: 'email_verified', type: 'boolean' })
  emailVerified!: boolean;

  @CreateDateColumn({ name: 'linked_at', type: 'timestamptz' })
  linkedAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
