import { UserEntity } from '../../src/accounts/user.entity';
import { errorCode, ME, signUp, startTestApi, tokenFromMail, type TestApi } from '../support/test-api';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

const VERIFY = `mutation ($token: String!) { verifyEmail(token: $token) { id emailVerified } }`;
const RESEND = `mutation { requestEmailVerification }`;

it('mails a link on signup that verifies the address once', async () => {
  const u = await signUp(t);
  const [mail] = await t.mailsTo(u.user.email);
  expect(mail!.subject).toBe('Confirm your email address');
  expect(mail!.html).toContain('/verify-email?token=');
  const token = await tokenFromMail(t, u.user.email, '/verify-email');
  const result = await t.gql(VERIFY, { token });
  expect(result.data.verifyEmail).toEqual({ id: u.user.id, emailVerified: true });
  expect((await t.gql(ME, {}, { token: u.accessToken })).data.me.emailVerified).toBe(true);
  expect(errorCode(await t.gql(VERIFY, { token }))).toBe('INVALID_TOKEN');
});

it('resends: the new link works and the old one no longer does', async () => {
  const u = await signUp(t);
  const old = await tokenFromMail(t, u.user.email, '/verify-email');
  expect((await t.gql(RESEND, {}, { token: u.accessToken })).data.requestEmailVerification).toBe(true);
  const mails = await t.mailsTo(u.user.email);
  expect(mails).toHaveLength(2);
  const fresh = await tokenFromMail(t, u.user.email, '/verify-email');
  expect(fresh).not.toBe(old);
  expect(errorCode(await t.gql(VERIFY, { token: old }))).toBe('INVALID_TOKEN');
  expect((await t.gql(VERIFY, { token: fresh })).data.verifyEmail.emailVerified).toBe(true);
});

it('sends nothing more once verified', async () => {
  const u = await signUp(t);
  await t.gql(VERIFY, { token: await tokenFromMail(t, u.user.email, '/verify-email') });
  expect((await t.gql(RESEND, {}, { token: u.accessToken })).data.requestEmailVerification).toBe(true);
  expect(await t.mailsTo(u.user.email)).toHaveLength(1);
});

it('rejects expired and garbage tokens, and resend needs a signed-in caller', async () => {
  const u = await signUp(t);
  const token = await tokenFromMail(t, u.user.email, '/verify-email');
  await t.dataSource.query(`UPDATE one_time_token SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [u.user.id]);
  expect(errorCode(await t.gql(VERIFY, { token }))).toBe('INVALID_TOKEN');
  expect(errorCode(await t.gql(VERIFY, { token: 'cbv_nope' }))).toBe('INVALID_TOKEN');
  expect(errorCode(await t.gql(VERIFY, { token: '' }))).toBe('BAD_USER_INPUT');
  expect(errorCode(await t.gql(RESEND))).toBe('UNAUTHENTICATED');
  expect((await t.dataSource.getRepository(UserEntity).findOneByOrFail({ id: u.user.id })).emailVerifiedAt).toBeNull();
});

it('does not verify an address the account no longer has', async () => {
  const u = await signUp(t);
  const token = await tokenFromMail(t, u.user.email, '/verify-email');
  await t.dataSource.getRepository(UserEntity).update(u.user.id, { email: `changed-${u.user.email}` });
  expect(errorCode(await t.gql(VERIFY, { token }))).toBe('INVALID_TOKEN');
});
