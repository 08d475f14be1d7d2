import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * One sign-in on one device: a refresh-token family. Every refresh rotates the token; the
 * rotated tokens stay recorded so that presenting one again (a sign of theft) revokes the
 * whole family.
 */
@Entity({ name: 'session' })
@Index('session_user_id_idx', ['userId'])
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'session_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'session_user_id_fkey' })
  user?: UserEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_refreshed_at', type: 'timestamptz', nullable: true })
  lastRefreshedAt!: Date | null;

  /** Absolute end of the family; a refresh never extends it past this. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'text', nullable: true })
  revokedReason!: SessionRevokedReason | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  @Column({ type: 'text', nullable: true })
  ip!: string | null;
}

export type SessionRevokedReason =
  | 'logout'
  | 'logout_everywhere'
  | 'refresh_token_reuse'
  | 'password_changed'
  | 'password_reset';

@Entity({ name: 'refresh_token' })
@Index('refresh_token_session_id_idx', ['sessionId'])
export class RefreshTokenEntity {
  /** SHA-256 of the token (base64url). The token itself is never stored. */
  @PrimaryColumn({ name: 'token_hash', type: 'text', primaryKeyConstraintName: 'refresh_token_pkey' })
  tokenHash!: string;

  @Column({ name: 'session_id', type: 'uuid' })
  sessionId!: string;

  @ManyToOne(() => SessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'refresh_token_session_id_fkey' })
  session?: SessionEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt!: Date | null;
}
