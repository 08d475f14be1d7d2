import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databaseUrlForCli, openCliDataSource, removeLocalDatabaseUrl, writeLocalDatabaseUrl } from '../../src/platform/db/local-database-url';

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

  it('says plainly when the file is stale (npm start was killed) or missing, instead of a stack trace', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await openCliDataSource({ database: { url: undefined }, dataDir })).toBeNull();
      expect(errors.mock.calls[0]![0]).toMatch(/set DATABASE_URL, or keep `npm start` running/);
      writeLocalDatabaseUrl(dataDir, 'postgres://crossbill:x@127.0.0.1:1/crossbill');
      expect(await openCliDataSource({ database: { url: undefined }, dataDir })).toBeNull();
      expect(errors.mock.calls[1]![0]).toMatch(/Cannot reach npm start's embedded database .*ECONNREFUSED/);
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = 0;
      errors.mockRestore();
      removeLocalDatabaseUrl(dataDir);
    }
  });
});
