import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryColumn } from 'typeorm';

/** An app allowed to start cancel flows with its own keys (precancel API, Vibess-style embed). */
@Entity({ name: 'retention_app' })
export class RetentionAppEntity {
  /** `app_` + random, shown to the app's developers. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'retention_app_pkey' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @OneToMany(() => RetentionAppKeyEntity, (key) => key.app)
  keys?: RetentionAppKeyEntity[];
}

/**
 * One key pair of an app: the public key id names it in requests; the private key is the HMAC
 * key (HMAC needs it on both sides), so it is kept encrypted (AES-256-GCM) rather than hashed.
 */
@Entity({ name: 'retention_app_key' })
@Index('retention_app_key_app_id_idx', ['appId'])
export class RetentionAppKeyEntity {
  /** `pk_` + random. */
  @PrimaryColumn({ name: 'public_key', type: 'text', primaryKeyConstraintName: 'retention_app_key_pkey' })
  publicKey!: string;

  @Column({ name: 'app_id', type: 'text' })
  appId!: string;

  @ManyToOne(() => RetentionAppEntity, (app) => app.keys, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'app_id', foreignKeyConstraintName: 'retention_app_key_app_id_fkey' })
  app?: RetentionAppEntity;

  /** base64url(iv ‖ ciphertext ‖ tag) of the private key. */
  @Column({ name: 'private_key_encrypted', type: 'text' })
  privateKeyEncrypted!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
