import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Billing: the webhook inbox, Stripe customers, and store subscriptions from every store. */
export class Billing1763800000000 implements MigrationInterface {
  name = 'Billing1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "store_subscription" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "store" text NOT NULL, "store_id" text NOT NULL, "user_id" uuid NOT NULL, "plan_key" text, "product_id" text NOT NULL, "status" text NOT NULL, "store_status" text NOT NULL, "current_period_end" TIMESTAMP WITH TIME ZONE, "will_renew" boolean NOT NULL, "grace_period_end" TIMESTAMP WITH TIME ZONE, "canceled_at" TIMESTAMP WITH TIME ZONE, "environment" text NOT NULL, "last_event_at" TIMESTAMP WITH TIME ZONE NOT NULL, "raw" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "store_subscription_status_check" CHECK ("status" IN ('incomplete', 'trialing', 'active', 'in_grace_period', 'in_billing_retry', 'paused', 'expired', 'revoked')), CONSTRAINT "store_subscription_store_check" CHECK ("store" IN ('stripe', 'app_store', 'promotional')), CONSTRAINT "store_subscription_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "store_subscription_user_id_idx" ON "store_subscription" ("user_id")`);
    await q.query(`CREATE UNIQUE INDEX "store_subscription_store_id_key" ON "store_subscription" ("store", "store_id")`);
    await q.query(`CREATE TABLE "stripe_customer" ("user_id" uuid NOT NULL, "customer_id" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "stripe_customer_pkey" PRIMARY KEY ("user_id"))`);
    await q.query(`CREATE UNIQUE INDEX "stripe_customer_customer_id_key" ON "stripe_customer" ("customer_id")`);
    await q.query(`CREATE TABLE "inbox_event" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "source" text NOT NULL, "external_id" text NOT NULL, "type" text NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "payload" jsonb NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "processed_at" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "inbox_event_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "inbox_event_pending_idx" ON "inbox_event" ("next_attempt_at") WHERE "processed_at" IS NULL`);
    await q.query(`CREATE UNIQUE INDEX "inbox_event_source_external_id_key" ON "inbox_event" ("source", "external_id")`);
    await q.query(`ALTER TABLE "store_subscription" ADD CONSTRAINT "store_subscription_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "stripe_customer" ADD CONSTRAINT "stripe_customer_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "stripe_customer" DROP CONSTRAINT "stripe_customer_user_id_fkey"`);
    await q.query(`ALTER TABLE "store_subscription" DROP CONSTRAINT "store_subscription_user_id_fkey"`);
    await q.query(`DROP INDEX "public"."inbox_event_source_external_id_key"`);
    await q.query(`DROP INDEX "public"."inbox_event_pending_idx"`);
    await q.query(`DROP TABLE "inbox_event"`);
    await q.query(`DROP INDEX "public"."stripe_customer_customer_id_key"`);
    await q.query(`DROP TABLE "stripe_customer"`);
    await q.query(`DROP INDEX "public"."store_subscription_store_id_key"`);
    await q.query(`DROP INDEX "public"."store_subscription_user_id_idx"`);
    await q.query(`DROP TABLE "store_subscription"`);
  }
}
