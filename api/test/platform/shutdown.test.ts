import { Client } from 'pg';
import { GOOD_PASSWORD, LOGIN, signUp, startTestApi } from '../support/test-api';

// A login whose client has hung up keeps running on the server. Shutdown must wait for it:
// main.ts closes the database right after the server, and a login cut off there would fail
// mid-transaction.
it('waits for operations still executing after their client disconnected', async () => {
  const t = await startTestApi();
  const u = await signUp(t);
  const aborted = new AbortController();
  const request = fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: LOGIN, variables: { input: { email: u.user.email, password: GOOD_PASSWORD } } }),
    signal: aborted.signal,
  }).catch(() => 'aborted');
  // Wait until the login is inside argon2, then hang up and shut down as main.ts does.
  while (t.api.passwords.load.running === 0) await new Promise((r) => setImmediate(r));
  aborted.abort();
  expect(await request).toBe('aborted');
  await t.api.close();
  const url = t.config.database.url!;
  await t.dataSource.destroy();
  await new Promise((r) => setTimeout(r, 300)); // time for a cut-off login to fail, if it would

  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('SELECT count(*)::int AS n FROM session WHERE user_id = $1', [u.user.id]);
  await client.end();
  expect(rows[0].n).toBe(2);
  expect(t.logs.filter((l) => l.level >= 50)).toEqual([]);
  await t.dataSource.initialize(); // so t.close() can tidy up as usual
  await t.close();
});
