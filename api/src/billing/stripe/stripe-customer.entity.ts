import { Column, CreateDateColumn, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../../accounts/user.entity';

/** The one Stripe Customer of a user, created on first need and never a second time. */
@Entity({ name: 'stripe_customer' })
@Index('stripe_customer_customer_id_key', ['customerId'], { unique: true })
export class StripeCustomerEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'stripe_customer_pkey' })
  userId!: string;

  @OneToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'stripe_customer_user_id_fkey' })
  user?: UserEntity;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
