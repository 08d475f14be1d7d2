import { Check, Column, CreateDateColumn, Entity, Generated, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'user' })
@Index('user_email_key', ['email'], { unique: true })
@Index('user_app_account_token_key', ['appAccountToken'], { unique: true })
@Check('user_email_lowercase', `"email" = lower("email")`)
@Check('user_role_check', `"role" IN ('user', 'admin')`)
export class UserEntity {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'user_pkey' })
  id!: string;

  /** Stored lower-cased, so the unique index makes addresses unique case-insensitively. */
  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'email_verified_at', type: 'timestamptz', nullable: true })
  emailVerifiedAt!: Date | null;

  /** Null for accounts that only sign in through Google or Apple. */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  @Column({ type: 'text' })
  name!: string;

  /** The UUID the iOS app passes to StoreKit, so every App Store purchase names its account. */
  @Column({ name: 'app_account_token', type: 'uuid' })
  @Generated('uuid')
  appAccountToken!: string;

  /** `admin` may grant and revoke promotional entitlements; set with `npm run admin -- grant-role <email>`. */
  @Column({ type: 'text', default: 'user' })
  role!: 'user' | 'admin';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
