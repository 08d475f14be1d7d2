// `npm run migrate`: applies pending migrations to DATABASE_URL (used by docker-compose before
// the API starts, and by anyone running against their own PostgreSQL).
import { loadConfig } from '../../config';
import { createLogger } from '../logger';
import { createDataSource } from './data-source';
import { runMigrations } from './migrate';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { command: 'migrate' });
  if (!config.database.url) {
    log.error('DATABASE_URL is not set. (Without it, `npm start` runs an embedded PostgreSQL and migrates it itself.)');
    process.exitCode = 1;
    return;
  }
  const dataSource = createDataSource(config.database.url, 1);
  await dataSource.initialize();
  try {
    const ran = await runMigrations(dataSource);
    log.info({ ran }, ran.length ? `applied ${ran.length} migration(s)` : 'database is up to date');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
