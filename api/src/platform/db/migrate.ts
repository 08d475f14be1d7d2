import type { DataSource } from 'typeorm';

/** Applies every pending migration; returns the names of those it ran. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const ran = await dataSource.runMigrations({ transaction: 'each' });
  return ran.map((m) => m.name);
}

/**
 * The SQL TypeORM would run to make the database match the entities. Empty when the
 * migrations and the entities agree; the drift test fails otherwise.
 */
export async function schemaDrift(dataSource: DataSource): Promise<string[]> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return log.upQueries.map((q) => q.query);
}
