import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The admin-edited retention flow configuration: one row, replacing the checked-in default while it exists. */
@Entity({ name: 'retention_flow_config' })
@Check('retention_flow_config_singleton_check', `"id" = 1`)
export class RetentionFlowConfigEntity {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'retention_flow_config_pkey' })
  id!: 1;

  @Column({ type: 'jsonb' })
  config!: unknown;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
