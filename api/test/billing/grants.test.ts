import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserEntity } from '../../src/accounts/user.entity';
import { errorCode, signUp, startTestApi, type TestApi } from '../support/test-api';

const run = promisify(execFile);
const tsx = path.resolve(__dirname, '../../../node_modules/.bin/tsx');
const adminCli = path.resolve(__dirname, '../../src/accounts/admin-cli.ts');

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const GRANT = `mutation ($u: ID!, $k: ID!, $e: DateTime, $r: String!) { grantEntitlement(userId: $u, key: $k, expiresAt: $e, reason: $r) { id store status currentPeriodEnd } }`;
const REVOKE = `mutation ($id: ID!) { revokeGrant(id: $id) { status } }`;
const PRO = `{ me { entitlement(key: "pro") { active store expiresAt } } }`;

async function makeAdmin() {
  const admin = await signUp(t);
  const { stdout } = await run(tsx, [adminCli, 'grant-role', admin.user.email.toUpperCase()], { env: { ...process.env, DATABASE_URL: t.config.database.url } });
  expect(JSON.parse(stdout)).toEqual({ email: admin.user.email, role: 'admin' });
  return admin;
}

it('lets an admin grant an entitlement, which the user then has, and revoke it', async () => {
  const admin = await makeAdmin();
  const user = await signUp(t);
  const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const granted = await t.gql(GRANT, { u: user.user.id, k: 'pro', e: until, r: 'Support goodwill' }, { token: admin.accessToken });
  expect(granted.data.grantEntitlement).toMatchObject({ store: 'PROMOTIONAL', status: 'ACTIVE', currentPeriodEnd: until });
  expect((await t.gql(PRO, {}, { token: user.accessToken })).data.me.entitlement).toEqual({ active: true, store: 'PROMOTIONAL', expiresAt: until });
  expect((await t.gql(REVOKE, { id: granted.data.grantEntitlement.id }, { token: admin.accessToken })).data.revokeGrant.status).toBe('REVOKED');
  expect((await t.gql(PRO, {}, { token: user.accessToken })).data.me.entitlement.active).toBe(false);
});

it('puts active entitlements in the access token (ent claim) when it is issued', async () => {
  const admin = await makeAdmin();
  const user = await signUp(t);
  const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
  expect(claims(user.accessToken).ent).toEqual({});
  const until = new Date(Date.now() + 3 * 86_400_000);
  await t.gql(GRANT, { u: user.user.id, k: 'pro', e: until.toISOString(), r: 'Press' }, { token: admin.accessToken });
  const refreshed = await t.gql(`mutation ($r: String!) { refreshSession(refreshToken: $r) { accessToken } }`, { r: user.refreshToken });
  expect(claims(refreshed.data.refreshSession.accessToken).ent).toEqual({ pro: Math.floor(until.getTime() / 1000) });
});

it('refuses non-admins', async () => {
  const user = await signUp(t);
  expect(errorCode(await t.gql(GRANT, { u: user.user.id, k: 'pro', r: 'me' }, { token: user.accessToken }))).toBe('FORBIDDEN');
  expect(errorCode(await t.gql(REVOKE, { id: user.user.id }, { token: user.accessToken }))).toBe('FORBIDDEN');
  expect(errorCode(await t.gql(GRANT, { u: user.user.id, k: 'pro', r: 'me' }))).toBe('UNAUTHENTICATED');
});

it.each([
  ['an unknown key', { k: 'gold' }, 'BAD_USER_INPUT'],
  ['an empty reason', { r: '  ' }, 'BAD_USER_INPUT'],
  ['an end in the past', { e: new Date(Date.now() - 1000).toISOString() }, 'BAD_USER_INPUT'],
  ['an unknown user', { u: '00000000-0000-0000-0000-000000000000' }, 'NOT_FOUND'],
])('rejects %s', async (_label, override, code) => {
  const admin = await makeAdmin();
  const user = await signUp(t);
  const vars = { u: user.user.id, k: 'pro', e: null, r: 'ok', ...override };
  expect(errorCode(await t.gql(GRANT, vars, { token: admin.accessToken }))).toBe(code);
});

it('the admin CLI explains its usage and unknown emails', async () => {
  const env = { ...process.env, DATABASE_URL: t.config.database.url };
  await expect(run(tsx, [adminCli], { env })).rejects.toMatchObject({ code: 2 });
  await expect(run(tsx, [adminCli, 'grant-role', 'nobody@example.com'], { env })).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/No user/) });
  expect(await t.dataSource.getRepository(UserEntity).countBy({ role: 'admin' })).toBeGreaterThan(0);
});
