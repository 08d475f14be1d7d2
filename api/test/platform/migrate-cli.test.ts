import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { migrations } from '../../src/platform/db/migrations';
import { createTestDatabase } from '../support/test-api';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '../../src/platform/db/migrate-cli.ts');
const tsx = path.resolve(__dirname, '../../../node_modules/.bin/tsx');

// `npm run migrate` (the built form of this CLI) is how a managed database gets its schema.
it('applies pending migrations to DATABASE_URL, then reports it is up to date', async () => {
  const db = await createTestDatabase();
  try {
    const env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'info' };
    const first = await run(tsx, [cli], { env });
    expect(first.stdout).toContain(`applied ${migrations.length} migration`);
    const second = await run(tsx, [cli], { env });
    expect(second.stdout).toMatch(/up to date/);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('user', 'session', 'refresh_token')`);
    await client.end();
    expect(rows[0].n).toBe(3);
  } finally {
    await db.drop();
  }
});

it('refuses to run without DATABASE_URL', async () => {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  await expect(run(tsx, [cli], { env })).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/DATABASE_URL is not set/) });
});
