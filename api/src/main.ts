// Composition root: config → database → services → HTTP server.
import { startApi } from './app';
import { ConfigError, loadConfig } from './config';
import { createDataSource } from './platform/db/data-source';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './platform/db/embedded-postgres';
import { runMigrations } from './platform/db/migrate';
import { removeLocalDatabaseUrl, writeLocalDatabaseUrl } from './platform/db/local-database-url';
import { createLogger } from './platform/logger';
import path from 'node:path';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);

  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    // No DATABASE_URL: a real PostgreSQL of our own under the data directory, migrated on start.
    embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), log);
    const admin = createDataSource(embedded.adminUrl, 1);
    await admin.initialize();
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'crossbill'`);
    if (!exists.length) await admin.query('CREATE DATABASE crossbill');
    await admin.destroy();
    databaseUrl = embedded.urlFor('crossbill');
    writeLocalDatabaseUrl(config.dataDir, databaseUrl);
  }

  const dataSource = createDataSource(databaseUrl, config.database.poolSize);
  await dataSource.initialize();
  if (embedded) {
    const ran = await runMigrations(dataSource);
    if (ran.length) log.info({ ran }, 'migrations applied');
  } else {
    // With a managed database, migrations are an explicit step (npm run migrate).
    const pending = await dataSource.showMigrations();
    if (pending) log.warn('the database has pending migrations: run `npm run migrate`');
  }

  const api = await startApi(config, log, dataSource);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    // First, so the CLIs stop pointing at a database that is going away even if a step below fails.
    if (embedded) removeLocalDatabaseUrl(config.dataDir);
    try {
      await api.close();
      await dataSource.destroy();
      await embedded?.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
