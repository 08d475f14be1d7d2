import { createRemoteJWKSet, jwtVerify } from 'jose';
import { errorCode, ME, signUp, startTestApi, type TestApi } from '../support/test-api';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_COMPLEXITY: '12', HTTP_BODY_LIMIT: '2kb' });
});
afterAll(() => t.close());

it('answers /healthz after pinging the database', async () => {
  const res = await fetch(`${t.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
});

it('publishes the JWKS, against which an app backend can verify access tokens offline', async () => {
  const { accessToken, user } = await signUp(t);
  const res = await fetch(`${t.url}/.well-known/jwks.json`);
  const jwks = (await res.json()) as { keys: Array<Record<string, string>> };
  expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  expect(jwks.keys[0]).not.toHaveProperty('d');
  const { payload, protectedHeader } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)), {
    issuer: t.config.tokens.issuer,
    audience: 'crossbill',
  });
  expect(payload.sub).toBe(user.id);
  expect(protectedHeader.kid).toBe(jwks.keys[0]!.kid);
  expect(payload.exp! - payload.iat!).toBe(900);
});

it('rejects queries deeper than the limit', async () => {
  const shallow = await startTestApi({ GRAPHQL_MAX_DEPTH: '1' });
  try {
    const deep = `mutation { signup(input: {email: "d@e.co", password: "lantern-orbit-93", name: "D"}) { user { id } } }`;
    const result = await shallow.gql(deep);
    expect(errorCode(result)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors![0]!.message).toMatch(/depth/i);
    expect(await shallow.mailsTo('d@e.co')).toHaveLength(0);
    expect(errorCode(await shallow.gql(ME))).toBeUndefined();
  } finally {
    await shallow.close();
  }
});

it('rejects queries more complex than the limit', async () => {
  const wide = `{ ${Array.from({ length: 13 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
  const result = await t.gql(wide);
  expect(errorCode(result)).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(result.errors![0]!.message).toMatch(/too complex/);
  expect(errorCode(await t.gql(`{ a: __typename b: __typename }`))).toBeUndefined();
});

it('refuses bodies over the size limit with a coded error', async () => {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(4096) } }),
  });
  expect(res.status).toBe(413);
  const body = (await res.json()) as any;
  expect(body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
});

it('answers malformed JSON and malformed queries with coded errors', async () => {
  const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' });
  expect(res.status).toBe(400);
  expect(((await res.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  expect(errorCode(await t.gql(`{ me { `))).toBe('GRAPHQL_PARSE_FAILED');
  expect(errorCode(await t.gql(`{ nope }`))).toBe('GRAPHQL_VALIDATION_FAILED');
});

it('masks unexpected errors, logs them with the request id, and echoes that id', async () => {
  const accounts = t.api.services.accounts;
  const original = accounts.login;
  accounts.login = async () => {
    throw new Error('relation "secret_table" does not exist at /srv/app/internal.ts:42');
  };
  try {
    const result = await t.gql(`mutation { login(input: {email: "a@b.co", password: "whatever-123"}) { accessToken } }`, {}, { headers: { 'x-request-id': 'req-test-123' } });
    expect(result.headers.get('x-request-id')).toBe('req-test-123');
    const error = result.errors![0]!;
    expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId: 'req-test-123' });
    expect(JSON.stringify(result.errors)).not.toMatch(/secret_table|internal\.ts|stack/);
    const logged = t.logs.find((l) => l.msg === 'unexpected GraphQL error' && l.reqId === 'req-test-123');
    expect(logged?.err?.message).toMatch(/secret_table/);
    expect(logged?.err?.stack).toBeDefined();
  } finally {
    accounts.login = original;
  }
});

it('ignores a malformed request id and makes its own', async () => {
  const result = await t.gql(ME, {}, { headers: { 'x-request-id': 'bad id with spaces' } });
  expect(result.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});

it('never logs passwords or tokens', async () => {
  const { refreshToken } = await signUp(t, { password: 'log-canary-pass-981' });
  await t.gql(`mutation ($r: String!) { refreshSession(refreshToken: $r) { accessToken } }`, { r: refreshToken });
  const all = JSON.stringify(t.logs);
  expect(all).not.toContain('log-canary-pass-981');
  expect(all).not.toContain(refreshToken);
});
