import type { MigrationInterface, QueryRunner } from 'typeorm';

/** User roles: `admin` may grant promotional entitlements. */
export class UserRole1764100000000 implements MigrationInterface {
  name = 'UserRole1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "user" ADD "role" text NOT NULL DEFAULT 'user'`);
    await q.query(`ALTER TABLE "user" ADD CONSTRAINT "user_role_check" CHECK ("role" IN ('user', 'admin'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "user" DROP CONSTRAINT "user_role_check"`);
    await q.query(`ALTER TABLE "user" DROP COLUMN "role"`);
  }
}
