import fs from 'node:fs';
import path from 'node:path';

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
