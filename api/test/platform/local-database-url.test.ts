import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databaseUrlForCli, removeLocalDatabaseUrl, writeLocalDatabaseUrl } from '../../src/platform/db/local-database-url';

// While `npm start` runs its embedded PostgreSQL, the CLIs find it through DATA_DIR.
describe('the embedded database URL for CLIs', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossbill-local-url-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('is written owner-only, preferred after DATABASE_URL, and gone after a clean stop', () => {
    expect(databaseUrlForCli(undefined, dataDir)).toBeUndefined();
    writeLocalDatabaseUrl(dataDir, 'postgres://crossbill:x@127.0.0.1:5555/crossbill');
    expect(fs.statSync(path.join(dataDir, 'postgres.url')).mode & 0o777).toBe(0o600);
    expect(databaseUrlForCli(undefined, dataDir)).toBe('postgres://crossbill:x@127.0.0.1:5555/crossbill');
    expect(databaseUrlForCli('postgres://managed/db', dataDir)).toBe('postgres://managed/db');
    removeLocalDatabaseUrl(dataDir);
    expect(databaseUrlForCli(undefined, dataDir)).toBeUndefined();
  });
});
