import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Accounts, sessions, one-time tokens, the mail outbox and the rate-limit table. */
export class Init1763700000000 implements MigrationInterface {
  name = 'Init1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "user" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" text NOT NULL, "email_verified_at" TIMESTAMP WITH TIME ZONE, "password_hash" text, "name" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "user_email_lowercase" CHECK ("email" = lower("email")), CONSTRAINT "user_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "user_email_key" ON "user" ("email")`);
    await q.query(`CREATE TABLE "one_time_token" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "purpose" text NOT NULL, "token_hash" text NOT NULL, "email" text NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "one_time_token_purpose_check" CHECK ("purpose" IN ('verify_email', 'reset_password')), CONSTRAINT "one_time_token_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "one_time_token_user_id_idx" ON "one_time_token" ("user_id", "purpose")`);
    await q.query(`CREATE UNIQUE INDEX "one_time_token_hash_key" ON "one_time_token" ("token_hash")`);
    await q.query(`CREATE TABLE "session" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_refreshed_at" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" text, "user_agent" text, "ip" text, CONSTRAINT "session_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "session_user_id_idx" ON "session" ("user_id")`);
    await q.query(`CREATE TABLE "refresh_token" ("token_hash" text NOT NULL, "session_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "rotated_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "refresh_token_pkey" PRIMARY KEY ("token_hash"))`);
    await q.query(`CREATE INDEX "refresh_token_session_id_idx" ON "refresh_token" ("session_id")`);
    await q.query(`CREATE TABLE "mail_message" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "to_address" text NOT NULL, "subject" text NOT NULL, "text_body" text NOT NULL, "html_body" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "delivered_at" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_error" text, CONSTRAINT "mail_message_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "mail_message_pending_idx" ON "mail_message" ("next_attempt_at") WHERE "delivered_at" IS NULL`);
    await q.query(`CREATE TABLE "rate_limit" ("key" character varying(255) NOT NULL, "points" integer NOT NULL DEFAULT '0', "expire" bigint, CONSTRAINT "rate_limit_pkey" PRIMARY KEY ("key"))`);
    await q.query(`ALTER TABLE "one_time_token" ADD CONSTRAINT "one_time_token_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "session" ADD CONSTRAINT "session_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "refresh_token" ADD CONSTRAINT "refresh_token_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "session"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "refresh_token" DROP CONSTRAINT "refresh_token_session_id_fkey"`);
    await q.query(`ALTER TABLE "session" DROP CONSTRAINT "session_user_id_fkey"`);
    await q.query(`ALTER TABLE "one_time_token" DROP CONSTRAINT "one_time_token_user_id_fkey"`);
    await q.query(`DROP TABLE "rate_limit"`);
    await q.query(`DROP INDEX "public"."mail_message_pending_idx"`);
    await q.query(`DROP TABLE "mail_message"`);
    await q.query(`DROP INDEX "public"."refresh_token_session_id_idx"`);
    await q.query(`DROP TABLE "refresh_token"`);
    await q.query(`DROP INDEX "public"."session_user_id_idx"`);
    await q.query(`DROP TABLE "session"`);
    await q.query(`DROP INDEX "public"."one_time_token_hash_key"`);
    await q.query(`DROP INDEX "public"."one_time_token_user_id_idx"`);
    await q.query(`DROP TABLE "one_time_token"`);
    await q.query(`DROP INDEX "public"."user_email_key"`);
    await q.query(`DROP TABLE "user"`);
  }
}
