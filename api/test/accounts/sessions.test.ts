import { RefreshTokenEntity, SessionEntity } from '../../src/accounts/session.entity';
import { errorCode, GOOD_PASSWORD, LOGIN, ME, REFRESH, signUp, startTestApi, type TestApi } from '../support/test-api';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const LOGOUT = `mutation ($refreshToken: String!) { logout(refreshToken: $refreshToken) }`;
const LOGOUT_EVERYWHERE = `mutation { logoutEverywhere }`;

describe('refreshSession', () => {
  it('rotates: new tokens work, the old refresh token is spent', async () => {
    const first = await signUp(t);
    const refreshed = await t.gql(REFRESH, { refreshToken: first.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    const next = refreshed.data.refreshSession;
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.user.id).toBe(first.user.id);
    expect((await t.gql(ME, {}, { token: next.accessToken })).data.me.id).toBe(first.user.id);
    // Only hashes are stored.
    const rows = await t.dataSource.getRepository(RefreshTokenEntity).find();
    expect(rows.some((r) => r.tokenHash === first.refreshToken || r.tokenHash === next.refreshToken)).toBe(false);
  });

  it('revokes the whole family when a rotated token is presented again', async () => {
    const first = await signUp(t);
    const second = (await t.gql(REFRESH, { refreshToken: first.refreshToken })).data.refreshSession;
    const replay = await t.gql(REFRESH, { refreshToken: first.refreshToken });
    expect(errorCode(replay)).toBe('UNAUTHENTICATED');
    // The legitimate successor is dead too, and so is the family's access token.
    expect(errorCode(await t.gql(REFRESH, { refreshToken: second.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(ME, {}, { token: second.accessToken }))).toBe('UNAUTHENTICATED');
    const session = await t.dataSource.getRepository(SessionEntity).findOneByOrFail({ userId: first.user.id });
    expect(session.revokedReason).toBe('refresh_token_reuse');
  });

  it('does not let two concurrent refreshes with one token both succeed', async () => {
    const first = await signUp(t);
    const results = await Promise.all([
      t.gql(REFRESH, { refreshToken: first.refreshToken }),
      t.gql(REFRESH, { refreshToken: first.refreshToken }),
    ]);
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => errorCode(r) === 'UNAUTHENTICATED')).toHaveLength(1);
  });

  it('rejects unknown, malformed and expired refresh tokens', async () => {
    expect(errorCode(await t.gql(REFRESH, { refreshToken: 'cbr_unknown' }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(REFRESH, { refreshToken: '' }))).toBe('UNAUTHENTICATED');
    const user = await signUp(t);
    await t.dataSource.getRepository(SessionEntity).update({ userId: user.user.id }, { expiresAt: new Date(Date.now() - 1000) });
    expect(errorCode(await t.gql(REFRESH, { refreshToken: user.refreshToken }))).toBe('UNAUTHENTICATED');
  });

  it('keeps the absolute expiry of the session across rotations', async () => {
    const first = await signUp(t);
    const refreshed = await t.gql(`mutation ($r: String!) { refreshSession(refreshToken: $r) { refreshTokenExpiresAt } }`, { r: first.refreshToken });
    expect(refreshed.data.refreshSession.refreshTokenExpiresAt).toBe((first as any).refreshTokenExpiresAt);
  });
});

describe('logout', () => {
  it('ends only that session, at once', async () => {
    const a = await signUp(t);
    const b = (await t.gql(LOGIN, { input: { email: a.user.email, password: GOOD_PASSWORD } })).data.login;
    expect((await t.gql(LOGOUT, { refreshToken: a.refreshToken })).data.logout).toBe(true);
    expect(errorCode(await t.gql(ME, {}, { token: a.accessToken }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(REFRESH, { refreshToken: a.refreshToken }))).toBe('UNAUTHENTICATED');
    expect((await t.gql(ME, {}, { token: b.accessToken })).data.me.id).toBe(a.user.id);
  });

  it('is idempotent and quiet for unknown tokens', async () => {
    expect((await t.gql(LOGOUT, { refreshToken: 'cbr_never-issued' })).data.logout).toBe(true);
  });

  it('logoutEverywhere ends every session of the user and no one else’s', async () => {
    const a = await signUp(t);
    const other = await signUp(t);
    const b = (await t.gql(LOGIN, { input: { email: a.user.email, password: GOOD_PASSWORD } })).data.login;
    expect((await t.gql(LOGOUT_EVERYWHERE, {}, { token: a.accessToken })).data.logoutEverywhere).toBe(true);
    for (const token of [a.accessToken, b.accessToken]) expect(errorCode(await t.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
    for (const refreshToken of [a.refreshToken, b.refreshToken]) expect(errorCode(await t.gql(REFRESH, { refreshToken }))).toBe('UNAUTHENTICATED');
    expect((await t.gql(ME, {}, { token: other.accessToken })).data.me.id).toBe(other.user.id);
  });

  it('logoutEverywhere needs a signed-in caller', async () => {
    expect(errorCode(await t.gql(LOGOUT_EVERYWHERE))).toBe('UNAUTHENTICATED');
  });
});
