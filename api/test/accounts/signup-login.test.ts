import fs from 'node:fs/promises';
import path from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { UserEntity } from '../../src/accounts/user.entity';
import { errorCode, GOOD_PASSWORD, LOGIN, ME, SIGNUP, signUp, startTestApi, uniqueEmail, type TestApi } from '../support/test-api';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(() => t.close());

describe('signup', () => {
  it('creates the account, signs it in and normalises the email', async () => {
    const email = uniqueEmail('Mixed.Case').replace('example.com', 'Example.COM');
    const result = await t.gql(SIGNUP, { input: { email: `  ${email} `, password: GOOD_PASSWORD, name: '  Ada Lovelace ' } });
    expect(result.errors).toBeUndefined();
    const payload = result.data.signup;
    expect(payload.user).toMatchObject({ email: email.toLowerCase(), emailVerified: false, name: 'Ada Lovelace' });
    expect(payload.refreshToken).toMatch(/^cbr_/);
    const expiresIn = Date.parse(payload.accessTokenExpiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);
    const me = await t.gql(ME, {}, { token: payload.accessToken });
    expect(me.data.me).toMatchObject({ id: payload.user.id, email: email.toLowerCase() });
    const stored = await t.dataSource.getRepository(UserEntity).findOneByOrFail({ id: payload.user.id });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('refuses an address that already has an account, whatever its case', async () => {
    const first = await signUp(t);
    const again = await t.gql(SIGNUP, { input: { email: first.user.email.toUpperCase(), password: GOOD_PASSWORD, name: 'Again' } });
    expect(errorCode(again)).toBe('EMAIL_TAKEN');
    expect(await t.dataSource.getRepository(UserEntity).countBy({ email: first.user.email })).toBe(1);
  });

  it.each([
    ['a malformed email', { email: 'not-an-email' }, 'email'],
    ['an overlong email', { email: `${'a'.repeat(250)}@example.com` }, 'email'],
    ['a password under 10 characters', { password: 'short-pw1' }, 'password'],
    ['a common password', { password: 'password123' }, 'password'],
    ['a repeated-character password', { password: 'aaaaaaaaaaaa' }, 'password'],
    ['an overlong password', { password: 'x1'.repeat(200) }, 'password'],
    ['an empty name', { name: '   ' }, 'name'],
    ['an overlong name', { name: 'n'.repeat(101) }, 'name'],
    ['a name with control characters', { name: 'bad\u0000name' }, 'name'],
  ])('rejects %s with BAD_USER_INPUT and writes nothing', async (_label, override, field) => {
    const input = { email: uniqueEmail(), password: GOOD_PASSWORD, name: 'Valid Name', ...override };
    const before = await t.dataSource.getRepository(UserEntity).count();
    const result = await t.gql(SIGNUP, { input });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions!.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(await t.dataSource.getRepository(UserEntity).count()).toBe(before);
  });

  it('rejects a missing field at the GraphQL layer', async () => {
    const result = await t.gql(SIGNUP, { input: { email: uniqueEmail(), password: GOOD_PASSWORD } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
  });
});

describe('login', () => {
  it('signs in with the right password, any email case', async () => {
    const { user } = await signUp(t);
    const result = await t.gql(LOGIN, { input: { email: user.email.toUpperCase(), password: GOOD_PASSWORD } });
    expect(result.errors).toBeUndefined();
    expect(result.data.login.user.id).toBe(user.id);
    const me = await t.gql(ME, {}, { token: result.data.login.accessToken });
    expect(me.data.me.id).toBe(user.id);
  });

  it('answers a wrong password and an unknown email identically', async () => {
    const { user } = await signUp(t);
    const wrong = await t.gql(LOGIN, { input: { email: user.email, password: 'not-the-password-1' } });
    const unknown = await t.gql(LOGIN, { input: { email: uniqueEmail('nobody'), password: 'not-the-password-1' } });
    expect(wrong.errors).toEqual(unknown.errors);
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    expect(wrong.errors![0]!.message).not.toMatch(/exist|unknown|found/i);
  });

  it('rejects an empty password as bad input', async () => {
    const result = await t.gql(LOGIN, { input: { email: uniqueEmail(), password: '' } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
  });
});

describe('me and access tokens', () => {
  it('is null without a token', async () => {
    const result = await t.gql(ME);
    expect(result.errors).toBeUndefined();
    expect(result.data.me).toBeNull();
  });

  it('rejects a garbage or tampered token with UNAUTHENTICATED', async () => {
    expect(errorCode(await t.gql(ME, {}, { token: 'garbage' }))).toBe('UNAUTHENTICATED');
    const { accessToken } = await signUp(t);
    const [h, p, s] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-0000-0000-000000000000' })).toString('base64url')}.${s}`;
    expect(errorCode(await t.gql(ME, {}, { token: forged }))).toBe('UNAUTHENTICATED');
  });

  it('rejects an expired token with TOKEN_EXPIRED', async () => {
    const { accessToken, user } = await signUp(t);
    const sid = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sid;
    const [jwk] = JSON.parse(await fs.readFile(path.join(t.config.dataDir, 'jwt-signing-keys.json'), 'utf8'));
    const key = await importJWK(jwk, 'ES256');
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    const expired = await new SignJWT({ sid })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt' })
      .setIssuer(t.config.tokens.issuer)
      .setAudience(t.config.tokens.audience)
      .setSubject(user.id)
      .setIssuedAt(hourAgo)
      .setExpirationTime(hourAgo + 900)
      .sign(key);
    const result = await t.gql(ME, {}, { token: expired });
    expect(errorCode(result)).toBe('TOKEN_EXPIRED');
  });

  it('rejects a token signed by another key, even with a known kid', async () => {
    const { accessToken } = await signUp(t);
    const header = JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString());
    const { generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('ES256');
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString());
    const forged = await new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
    expect(errorCode(await t.gql(ME, {}, { token: forged }))).toBe('UNAUTHENTICATED');
  });
});
