import pino from 'pino';
import { startApi } from '../../src/app';
import { errorCode, GOOD_PASSWORD, LOGIN, SIGNUP, signUp, startTestApi, uniqueEmail, type TestApi } from '../support/test-api';

// Small limits so a test can exhaust them; the IP comes from X-Forwarded-For, which the API
// trusts only because the test client connects over loopback (TRUST_PROXY=loopback).
let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({
    RATE_LIMIT_LOGIN_PER_ACCOUNT: '3',
    RATE_LIMIT_LOGIN_PER_IP: '6',
    RATE_LIMIT_SIGNUP_PER_IP: '2',
    RATE_LIMIT_EMAIL_PER_ACCOUNT: '2',
    RATE_LIMIT_EMAIL_PER_IP: '50',
  });
});
afterAll(() => t.close());

const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
let signups = 0;

it('limits failed logins per account, for known and unknown addresses alike', async () => {
  const u = await signUp(t, {}, from(`10.9.${++signups}.1`));
  for (const email of [u.user.email, uniqueEmail('ghost')]) {
    for (let i = 0; i < 3; i++) {
      expect(errorCode(await t.gql(LOGIN, { input: { email, password: 'wrong-password-x' } }, from(`10.0.${i}.1`)))).toBe('INVALID_CREDENTIALS');
    }
    const blocked = await t.gql(LOGIN, { input: { email, password: GOOD_PASSWORD } }, from('10.0.9.1'));
    expect(errorCode(blocked)).toBe('RATE_LIMITED');
    expect(blocked.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(0);
  }
});

it('forgets failed attempts after a successful login', async () => {
  const u = await signUp(t, {}, from(`10.9.${++signups}.1`));
  for (let round = 0; round < 3; round++) {
    await t.gql(LOGIN, { input: { email: u.user.email, password: 'wrong-password-x' } }, from('10.1.0.1'));
    await t.gql(LOGIN, { input: { email: u.user.email, password: 'wrong-password-x' } }, from('10.1.0.2'));
    expect(errorCode(await t.gql(LOGIN, { input: { email: u.user.email, password: GOOD_PASSWORD } }, from('10.1.0.3')))).toBeUndefined();
  }
});

it('limits logins per IP across accounts', async () => {
  const ip = '10.2.0.1';
  for (let i = 0; i < 6; i++) {
    expect(errorCode(await t.gql(LOGIN, { input: { email: uniqueEmail('spray'), password: 'wrong-password-x' } }, from(ip)))).toBe('INVALID_CREDENTIALS');
  }
  expect(errorCode(await t.gql(LOGIN, { input: { email: uniqueEmail('spray'), password: 'wrong-password-x' } }, from(ip)))).toBe('RATE_LIMITED');
  expect(errorCode(await t.gql(LOGIN, { input: { email: uniqueEmail('spray'), password: 'wrong-password-x' } }, from('10.2.0.2')))).toBe('INVALID_CREDENTIALS');
});

it('limits signups per IP', async () => {
  const ip = '10.3.0.1';
  const signup = () => t.gql(SIGNUP, { input: { email: uniqueEmail(), password: GOOD_PASSWORD, name: 'Rate' } }, from(ip));
  expect(errorCode(await signup())).toBeUndefined();
  expect(errorCode(await signup())).toBeUndefined();
  expect(errorCode(await signup())).toBe('RATE_LIMITED');
});

it('limits reset requests per address without revealing whether it exists', async () => {
  const u = await signUp(t, {}, from(`10.9.${++signups}.1`));
  const REQ = `mutation ($email: String!) { requestPasswordReset(email: $email) }`;
  for (const email of [u.user.email, uniqueEmail('ghost')]) {
    expect(errorCode(await t.gql(REQ, { email }, from('10.4.0.1')))).toBeUndefined();
    expect(errorCode(await t.gql(REQ, { email }, from('10.4.0.2')))).toBeUndefined();
    expect(errorCode(await t.gql(REQ, { email }, from('10.4.0.3')))).toBe('RATE_LIMITED');
  }
});

it('limits verification mails per account', async () => {
  const u = await signUp(t, {}, from(`10.9.${++signups}.1`));
  const REQ = `mutation { requestEmailVerification }`;
  expect(errorCode(await t.gql(REQ, {}, { token: u.accessToken }))).toBeUndefined();
  expect(errorCode(await t.gql(REQ, {}, { token: u.accessToken }))).toBeUndefined();
  expect(errorCode(await t.gql(REQ, {}, { token: u.accessToken }))).toBe('RATE_LIMITED');
});

it('holds across API instances sharing the database', async () => {
  // A second server on the same database sees the attempts the first one counted.
  const second = await startApi(t.config, pino({ level: 'silent' }), t.dataSource, 0);
  try {
    const email = uniqueEmail('multi');
    const url2 = second.server.url.replace('localhost', '127.0.0.1');
    const post = (url: string) =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.5.0.1' },
        body: JSON.stringify({ query: LOGIN, variables: { input: { email, password: 'wrong-password-x' } } }),
      }).then((r) => r.json() as Promise<any>);
    await post(t.url);
    await post(url2);
    await post(t.url);
    expect((await post(url2)).errors[0].extensions.code).toBe('RATE_LIMITED');
  } finally {
    await second.close();
  }
});
