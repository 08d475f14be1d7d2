import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';

// While `npm start` runs its embedded PostgreSQL (no DATABASE_URL), the connection URL is
// written under the data directory (owner-only), so the admin CLIs reach the same database
// without anyone copying a URL out of the logs. Removed again on a clean stop.

const fileIn = (dataDir: string) => path.join(dataDir, 'postgres.url');

export function writeLocalDatabaseUrl(dataDir: string, url: string): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(fileIn(dataDir), url, { mode: 0o600 });
}

export function removeLocalDatabaseUrl(dataDir: string): void {
  fs.rmSync(fileIn(dataDir), { force: true });
}

/** DATABASE_URL, or the running embedded database's URL, or undefined. */
export function databaseUrlForCli(configured: string | undefined, dataDir: string): string | undefined {
  if (configured) return configured;
  try {
    return fs.readFileSync(fileIn(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A one-connection data source for a CLI, on DATABASE_URL or `npm start`'s embedded database;
 * null (with the reason on stderr and exit code 1) when there is neither.
 */
export async function openCliDataSource(config: { database: { url: string | undefined }; dataDir: string }): Promise<DataSource | null> {
  const url = databaseUrlForCli(config.database.url, config.dataDir);
  if (!url) {
    console.error('No database: set DATABASE_URL, or keep `npm start` running (its embedded database is used then).');
    process.exitCode = 1;
    return null;
  }
  const dataSource = createDataSource(url, 1);
  try {
    await dataSource.initialize();
  } catch (error) {
    // A file left by a process that was killed names a database that is no longer there.
    if (!config.database.url) {
      console.error(`Cannot reach npm start's embedded database (${error instanceof Error ? error.message : error}). Is \`npm start\` running with this DATA_DIR?`);
      process.exitCode = 1;
      return null;
    }
    throw error;
  }
  return dataSource;
}
