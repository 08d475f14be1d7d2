import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Google and Apple identities linked to users. */
export class Identities1763900000000 implements MigrationInterface {
  name = 'Identities1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "identity" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "provider" text NOT NULL, "subject" text NOT NULL, "email" text, "email_verified" boolean NOT NULL, "linked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "identity_provider_check" CHECK ("provider" IN ('google', 'apple')), CONSTRAINT "identity_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "identity_user_id_provider_key" ON "identity" ("user_id", "provider")`);
    await q.query(`CREATE UNIQUE INDEX "identity_provider_subject_key" ON "identity" ("provider", "subject")`);
    await q.query(`ALTER TABLE "identity" ADD CONSTRAINT "identity_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "identity" DROP CONSTRAINT "identity_user_id_fkey"`);
    await q.query(`DROP INDEX "public"."identity_provider_subject_key"`);
    await q.query(`DROP INDEX "public"."identity_user_id_provider_key"`);
    await q.query(`DROP TABLE "identity"`);
  }
}
