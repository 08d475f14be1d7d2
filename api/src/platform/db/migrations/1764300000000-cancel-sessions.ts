import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Retention flow sessions. */
export class CancelSessions1764300000000 implements MigrationInterface {
  name = 'CancelSessions1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "cancel_session" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "subscription_id" uuid NOT NULL, "store" text NOT NULL, "mode" text NOT NULL, "reason" text, "comment" text, "offer" jsonb, "outcome" text, "outcome_at" TIMESTAMP WITH TIME ZONE, "amount_at_stake" integer NOT NULL DEFAULT '0', "currency" text NOT NULL DEFAULT 'usd', "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "cancel_session_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "cancel_session_created_at_idx" ON "cancel_session" ("created_at")`);
    await q.query(`CREATE INDEX "cancel_session_user_id_idx" ON "cancel_session" ("user_id")`);
    await q.query(`ALTER TABLE "cancel_session" ADD CONSTRAINT "cancel_session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "cancel_session" DROP CONSTRAINT "cancel_session_user_id_fkey"`);
    await q.query(`DROP INDEX "public"."cancel_session_user_id_idx"`);
    await q.query(`DROP INDEX "public"."cancel_session_created_at_idx"`);
    await q.query(`DROP TABLE "cancel_session"`);
  }
}
