import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The table rate-limiter-flexible's RateLimiterPostgres reads and writes (its own layout). */
@Entity({ name: 'rate_limit' })
export class RateLimitEntity {
  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'rate_limit_pkey' })
  key!: string;

  @Column({ type: 'integer', default: 0 })
  points!: number;

  @Column({ type: 'bigint', nullable: true })
  expire!: string | null;
}
