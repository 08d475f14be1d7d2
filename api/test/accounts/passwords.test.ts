import { OneTimeTokenEntity } from '../../src/accounts/one-time-token.entity';
import { UserEntity } from '../../src/accounts/user.entity';
import { errorCode, GOOD_PASSWORD, LOGIN, ME, REFRESH, signUp, startTestApi, tokenFromMail, uniqueEmail, type TestApi } from '../support/test-api';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const CHANGE = `mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken refreshToken user { id } } }`;
const REQUEST_RESET = `mutation ($email: String!) { requestPasswordReset(email: $email) }`;
const RESET = `mutation ($token: String!, $newPassword: String!) { resetPassword(token: $token, newPassword: $newPassword) }`;
const NEW_PASSWORD = 'quiet-meadow-4417';

const login = (email: string, password: string) => t.gql(LOGIN, { input: { email, password } });

describe('changePassword', () => {
  it('needs the current password', async () => {
    const u = await signUp(t);
    const result = await t.gql(CHANGE, { input: { currentPassword: 'wrong-password-1', newPassword: NEW_PASSWORD } }, { token: u.accessToken });
    expect(errorCode(result)).toBe('INVALID_CREDENTIALS');
    expect(result.errors![0]!.extensions!.fields[0].field).toBe('currentPassword');
    expect(errorCode(await login(u.user.email, GOOD_PASSWORD))).toBeUndefined();
  });

  it('validates the new password and changes nothing when it is bad', async () => {
    const u = await signUp(t);
    const result = await t.gql(CHANGE, { input: { currentPassword: GOOD_PASSWORD, newPassword: 'qwertyuiop' } }, { token: u.accessToken });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect((await t.gql(ME, {}, { token: u.accessToken })).data.me.id).toBe(u.user.id);
  });

  it('changes it, ends every other session, returns fresh tokens and mails a notice', async () => {
    const u = await signUp(t);
    const other = (await login(u.user.email, GOOD_PASSWORD)).data.login;
    const result = await t.gql(CHANGE, { input: { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD } }, { token: u.accessToken });
    expect(result.errors).toBeUndefined();
    const fresh = result.data.changePassword;
    expect((await t.gql(ME, {}, { token: fresh.accessToken })).data.me.id).toBe(u.user.id);
    for (const token of [u.accessToken, other.accessToken]) expect(errorCode(await t.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(REFRESH, { refreshToken: other.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await login(u.user.email, GOOD_PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await login(u.user.email, NEW_PASSWORD))).toBeUndefined();
    expect((await t.mailsTo(u.user.email)).map((m) => m.subject)).toContain('Your password was changed');
  });

  it('needs a signed-in caller', async () => {
    expect(errorCode(await t.gql(CHANGE, { input: { currentPassword: GOOD_PASSWORD, newPassword: NEW_PASSWORD } }))).toBe('UNAUTHENTICATED');
  });
});

describe('password reset', () => {
  it('answers the same for known and unknown addresses, and mails only the known one', async () => {
    const u = await signUp(t);
    const unknown = uniqueEmail('ghost');
    const known = await t.gql(REQUEST_RESET, { email: u.user.email.toUpperCase() });
    const ghost = await t.gql(REQUEST_RESET, { email: unknown });
    expect(known).toMatchObject({ data: { requestPasswordReset: true } });
    expect(ghost).toMatchObject({ data: { requestPasswordReset: true } });
    expect(known.errors).toBeUndefined();
    expect(ghost.errors).toBeUndefined();
    await tokenFromMail(t, u.user.email, '/reset-password');
    expect(await t.mailsTo(unknown)).toHaveLength(0);
  });

  it('rejects a malformed address', async () => {
    expect(errorCode(await t.gql(REQUEST_RESET, { email: 'nope' }))).toBe('BAD_USER_INPUT');
  });

  it('resets once with the mailed token, ends every session and verifies the address', async () => {
    const u = await signUp(t);
    await t.gql(REQUEST_RESET, { email: u.user.email });
    const token = await tokenFromMail(t, u.user.email, '/reset-password');
    expect(token).toMatch(/^cbp_/);
    const stored = await t.dataSource.getRepository(OneTimeTokenEntity).findBy({ userId: u.user.id, purpose: 'reset_password' });
    expect(stored.every((row) => row.tokenHash !== token)).toBe(true);

    expect((await t.gql(RESET, { token, newPassword: NEW_PASSWORD })).data.resetPassword).toBe(true);
    expect(errorCode(await t.gql(ME, {}, { token: u.accessToken }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(REFRESH, { refreshToken: u.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await login(u.user.email, NEW_PASSWORD))).toBeUndefined();
    expect((await t.dataSource.getRepository(UserEntity).findOneByOrFail({ id: u.user.id })).emailVerifiedAt).not.toBeNull();

    expect(errorCode(await t.gql(RESET, { token, newPassword: 'another-pass-5512' }))).toBe('INVALID_TOKEN');
  });

  it('keeps the token usable when the new password is rejected', async () => {
    const u = await signUp(t);
    await t.gql(REQUEST_RESET, { email: u.user.email });
    const token = await tokenFromMail(t, u.user.email, '/reset-password');
    expect(errorCode(await t.gql(RESET, { token, newPassword: 'short' }))).toBe('BAD_USER_INPUT');
    expect((await t.gql(RESET, { token, newPassword: NEW_PASSWORD })).data.resetPassword).toBe(true);
  });

  it('rejects expired, garbage and superseded tokens', async () => {
    const u = await signUp(t);
    await t.gql(REQUEST_RESET, { email: u.user.email });
    const first = await tokenFromMail(t, u.user.email, '/reset-password');
    await t.gql(REQUEST_RESET, { email: u.user.email });
    let second = first;
    for (let i = 0; i < 50 && second === first; i++) second = await tokenFromMail(t, u.user.email, '/reset-password');
    expect(second).not.toBe(first);
    expect(errorCode(await t.gql(RESET, { token: first, newPassword: NEW_PASSWORD }))).toBe('INVALID_TOKEN');

    await t.dataSource.query(`UPDATE one_time_token SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [u.user.id]);
    expect(errorCode(await t.gql(RESET, { token: second, newPassword: NEW_PASSWORD }))).toBe('INVALID_TOKEN');
    expect(errorCode(await t.gql(RESET, { token: 'cbp_garbage', newPassword: NEW_PASSWORD }))).toBe('INVALID_TOKEN');
    expect(errorCode(await t.gql(RESET, { token: 'x'.repeat(5000), newPassword: NEW_PASSWORD }))).toBe('BAD_USER_INPUT');
  });

  it('does not accept a verification token as a reset token', async () => {
    const u = await signUp(t);
    const verifyToken = await tokenFromMail(t, u.user.email, '/verify-email');
    expect(errorCode(await t.gql(RESET, { token: verifyToken, newPassword: NEW_PASSWORD }))).toBe('INVALID_TOKEN');
  });
});
