import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Outgoing webhooks to the app's own backend: an event outbox and a per-endpoint delivery log. */
export class OutgoingWebhooks1764200000000 implements MigrationInterface {
  name = 'OutgoingWebhooks1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "outgoing_event" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "type" text NOT NULL, "user_id" uuid, "payload" jsonb NOT NULL, "dedupe_key" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "outgoing_event_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "outgoing_event_created_at_idx" ON "outgoing_event" ("created_at")`);
    await q.query(`CREATE UNIQUE INDEX "outgoing_event_dedupe_key_key" ON "outgoing_event" ("dedupe_key")`);
    await q.query(`CREATE TABLE "outgoing_delivery" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "event_id" uuid NOT NULL, "endpoint" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "delivered_at" TIMESTAMP WITH TIME ZONE, "last_status" integer, "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "outgoing_delivery_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "outgoing_delivery_pending_idx" ON "outgoing_delivery" ("next_attempt_at") WHERE "delivered_at" IS NULL`);
    await q.query(`CREATE UNIQUE INDEX "outgoing_delivery_event_endpoint_key" ON "outgoing_delivery" ("event_id", "endpoint")`);
    await q.query(`ALTER TABLE "outgoing_delivery" ADD CONSTRAINT "outgoing_delivery_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "outgoing_event"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "outgoing_delivery" DROP CONSTRAINT "outgoing_delivery_event_id_fkey"`);
    await q.query(`DROP INDEX "public"."outgoing_delivery_event_endpoint_key"`);
    await q.query(`DROP INDEX "public"."outgoing_delivery_pending_idx"`);
    await q.query(`DROP TABLE "outgoing_delivery"`);
    await q.query(`DROP INDEX "public"."outgoing_event_dedupe_key_key"`);
    await q.query(`DROP INDEX "public"."outgoing_event_created_at_idx"`);
    await q.query(`DROP TABLE "outgoing_event"`);
  }
}
