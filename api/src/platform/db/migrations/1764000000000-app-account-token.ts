import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A StoreKit appAccountToken for every user (existing users get one too). */
export class AppAccountToken1764000000000 implements MigrationInterface {
  name = 'AppAccountToken1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "user" ADD "app_account_token" uuid NOT NULL DEFAULT gen_random_uuid()`);
    await q.query(`CREATE UNIQUE INDEX "user_app_account_token_key" ON "user" ("app_account_token")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."user_app_account_token_key"`);
    await q.query(`ALTER TABLE "user" DROP COLUMN "app_account_token"`);
  }
}
