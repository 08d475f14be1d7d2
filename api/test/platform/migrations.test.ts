import { createDataSource } from '../../src/platform/db/data-source';
import { runMigrations, schemaDrift } from '../../src/platform/db/migrate';
import { createTestDatabase } from '../support/test-api';

// The CI check that entities and migrations agree: migrate an empty database, then ask
// TypeORM what it would change to match the entities. Anything at all is drift.
it('migrations produce exactly the schema the entities describe', async () => {
  const db = await createTestDatabase();
  const ds = createDataSource(db.url, 2);
  await ds.initialize();
  try {
    expect(await runMigrations(ds)).not.toHaveLength(0);
    expect(await schemaDrift(ds)).toEqual([]);
  } finally {
    await ds.destroy();
    await db.drop();
  }
});

it('migrations undo cleanly and apply again', async () => {
  const db = await createTestDatabase();
  const ds = createDataSource(db.url, 2);
  await ds.initialize();
  try {
    const ran = await runMigrations(ds);
    for (let i = 0; i < ran.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    const tables = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migration'`);
    expect(tables).toEqual([]);
    expect(await runMigrations(ds)).toEqual(ran);
    expect(await schemaDrift(ds)).toEqual([]);
  } finally {
    await ds.destroy();
    await db.drop();
  }
});

it('detects drift when an entity changes without a migration', async () => {
  const db = await createTestDatabase();
  const ds = createDataSource(db.url, 2);
  await ds.initialize();
  try {
    await runMigrations(ds);
    await ds.query(`ALTER TABLE "user" DROP COLUMN "name"`);
    expect((await schemaDrift(ds)).join('\n')).toMatch(/"name"/);
  } finally {
    await ds.destroy();
    await db.drop();
  }
});
