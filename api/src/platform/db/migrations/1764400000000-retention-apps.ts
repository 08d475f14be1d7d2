import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Retention: admin-edited flow configuration, apps with encrypted key pairs, and session outcome tracking (source, store cancellation, 30-day verdict). */
export class RetentionApps1764400000000 implements MigrationInterface {
  name = 'RetentionApps1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "retention_flow_config" ("id" smallint NOT NULL, "config" jsonb NOT NULL, "updated_by" uuid, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "retention_flow_config_singleton_check" CHECK ("id" = 1), CONSTRAINT "retention_flow_config_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "retention_app" ("id" text NOT NULL, "name" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "retention_app_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "retention_app_key" ("public_key" text NOT NULL, "app_id" text NOT NULL, "private_key_encrypted" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "retention_app_key_pkey" PRIMARY KEY ("public_key"))`);
    await q.query(`CREATE INDEX "retention_app_key_app_id_idx" ON "retention_app_key" ("app_id")`);
    await q.query(`ALTER TABLE "cancel_session" ADD "source" text NOT NULL DEFAULT 'account'`);
    await q.query(`ALTER TABLE "cancel_session" ADD "app_id" text`);
    await q.query(`ALTER TABLE "cancel_session" ADD "canceled_in_store_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "cancel_session" ADD "verdict" text`);
    await q.query(`ALTER TABLE "cancel_session" ADD "verdict_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`CREATE INDEX "cancel_session_subscription_id_idx" ON "cancel_session" ("subscription_id")`);
    await q.query(`ALTER TABLE "retention_app_key" ADD CONSTRAINT "retention_app_key_app_id_fkey" FOREIGN KEY ("app_id") REFERENCES "retention_app"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "retention_app_key" DROP CONSTRAINT "retention_app_key_app_id_fkey"`);
    await q.query(`DROP INDEX "public"."cancel_session_subscription_id_idx"`);
    await q.query(`ALTER TABLE "cancel_session" DROP COLUMN "verdict_at"`);
    await q.query(`ALTER TABLE "cancel_session" DROP COLUMN "verdict"`);
    await q.query(`ALTER TABLE "cancel_session" DROP COLUMN "canceled_in_store_at"`);
    await q.query(`ALTER TABLE "cancel_session" DROP COLUMN "app_id"`);
    await q.query(`ALTER TABLE "cancel_session" DROP COLUMN "source"`);
    await q.query(`DROP INDEX "public"."retention_app_key_app_id_idx"`);
    await q.query(`DROP TABLE "retention_app_key"`);
    await q.query(`DROP TABLE "retention_app"`);
    await q.query(`DROP TABLE "retention_flow_config"`);
  }
}
