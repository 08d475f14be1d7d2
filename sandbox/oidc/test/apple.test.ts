/** Apple: form_post flow, the `user` field only on the first authorization, the client-secret JWT. */
import { generateKeyPairSync } from 'node:crypto';
import { OidcSandbox, startOidcSandbox } from '../src';
import { REDIRECT, appleClientSecret, choose, formOf, openPicker, pkce, post, verifyIdToken } from './support/flow';

let sb: OidcSandbox;
beforeAll(async () => {
  sb = await startOidcSandbox({ port: 0 });
});
afterAll(async () => {
  await sb.close();
});

async function appleAuthorize(fields: Record<string, string>, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const picker = await openPicker(sb.apple.authorizationUrl, {
    response_type: 'code',
    response_mode: 'form_post',
    client_id: sb.apple.servicesId,
    redirect_uri: REDIRECT,
    scope: 'name email',
    state: 'st-apple',
    nonce: 'n-apple',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const res = await choose(picker, fields);
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('document.forms[0].submit()');
  expect(html).toContain('<button class="primary" type="submit">Continue</button>');
  const form = formOf(html);
  expect(form.action).toBe(REDIRECT);
  return { ...form, verifier, picker };
}

const exchange = async (code: string, verifier: string, over: Record<string, string> = {}) =>
  post(sb.apple.tokenUrl, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    client_id: sb.apple.servicesId,
    client_secret: await appleClientSecret(sb),
    ...over,
  });

test('the picker offers a private-relay account too', async () => {
  const { picker } = await appleAuthorize({ account: 'grace@example.com' });
  expect(picker.html).toContain('aria-label="Continue as k7w2m9q4tb@privaterelay.appleid.com"');
  expect(picker.html).toContain('Sign in with Apple');
});

test('form_post flow: code, state and user (first time only); token exchange with a client-secret JWT', async () => {
  const first = await appleAuthorize({ account: 'ada@example.com' });
  expect(Object.keys(first.fields).sort()).toEqual(['code', 'state', 'user']);
  expect(first.fields.state).toBe('st-apple');
  expect(JSON.parse(first.fields.user!)).toEqual({ name: { firstName: 'Ada', lastName: 'Lovelace' }, email: 'ada@example.com' });

  const res = await exchange(first.fields.code!, first.verifier);
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, string>;
  expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, refresh_token: expect.any(String) });
  const { payload } = await verifyIdToken(sb, 'apple', body.id_token!, sb.apple.servicesId, 'n-apple');
  expect(payload).toMatchObject({
    iss: sb.apple.issuer,
    aud: sb.apple.servicesId,
    sub: expect.stringMatching(/^\d{6}\.[0-9a-f]{32}\.\d{4}$/),
    email: 'ada@example.com',
    email_verified: 'true',
    nonce_supported: true,
    auth_time: expect.any(Number),
  });
  expect(payload.name).toBeUndefined();
  expect(payload.is_private_email).toBeUndefined();

  const again = await appleAuthorize({ account: 'ada@example.com' });
  expect(Object.keys(again.fields).sort()).toEqual(['code', 'state']);
  const second = (await (await exchange(again.fields.code!, again.verifier)).json()) as { id_token: string };
  expect((await verifyIdToken(sb, 'apple', second.id_token, sb.apple.servicesId)).payload.sub).toBe(payload.sub);
});

test('private relay and unverified accounts carry Apple-style string claims', async () => {
  const relay = await appleAuthorize({ account: 'k7w2m9q4tb@privaterelay.appleid.com' });
  const t1 = (await (await exchange(relay.fields.code!, relay.verifier)).json()) as { id_token: string };
  expect((await verifyIdToken(sb, 'apple', t1.id_token, sb.apple.servicesId)).payload).toMatchObject({
    email: 'k7w2m9q4tb@privaterelay.appleid.com',
    email_verified: 'true',
    is_private_email: 'true',
  });
  const custom = await appleAuthorize({ custom: '1', email: 'someone@example.net', name: 'Some One' });
  expect(JSON.parse(custom.fields.user!)).toEqual({ name: { firstName: 'Some', lastName: 'One' }, email: 'someone@example.net' });
  const t2 = (await (await exchange(custom.fields.code!, custom.verifier)).json()) as { id_token: string };
  expect((await verifyIdToken(sb, 'apple', t2.id_token, sb.apple.servicesId)).payload.email_verified).toBe('false');
});

test('client secret: wrong key, kid, iss, sub, expired or too long-lived → invalid_client; either audience works', async () => {
  const otherPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const now = Math.floor(Date.now() / 1000);
  const bad = [
    await appleClientSecret(sb, { pem: otherPem }),
    await appleClientSecret(sb, { kid: 'OTHERKEY01' }),
    await appleClientSecret(sb, { iss: 'OTHERTEAM1' }),
    await appleClientSecret(sb, { sub: 'com.example.other' }),
    await appleClientSecret(sb, { aud: 'https://example.com' }),
    await appleClientSecret(sb, { iat: now - 7200, exp: now - 3600 }),
    await appleClientSecret(sb, { exp: now + 200 * 24 * 3600 }),
    'not-a-jwt',
  ];
  const { fields, verifier } = await appleAuthorize({ account: 'grace@example.com' });
  for (const secret of bad) {
    const res = await exchange(fields.code!, verifier, { client_secret: secret });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  }
  const ok = await exchange(fields.code!, verifier, { client_secret: await appleClientSecret(sb, { aud: sb.apple.issuer }) });
  expect(ok.status).toBe(200);
  const reused = await exchange(fields.code!, verifier);
  expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
});

test('wrong redirect_uri or verifier → invalid_grant; refresh_token grant works', async () => {
  const a = await appleAuthorize({ account: 'grace@example.com' });
  expect(await (await exchange(a.fields.code!, a.verifier, { redirect_uri: 'http://localhost:3000/x' })).json()).toMatchObject({ error: 'invalid_grant' });
  const b = await appleAuthorize({ account: 'grace@example.com' });
  expect(await (await exchange(b.fields.code!, pkce().verifier)).json()).toMatchObject({ error: 'invalid_grant' });
  const c = await appleAuthorize({ account: 'grace@example.com' });
  const tokens = (await (await exchange(c.fields.code!, c.verifier)).json()) as { refresh_token: string };
  const refreshed = await post(sb.apple.tokenUrl, {
    grant_type: 'refresh_token',
    refresh_token: tokens.refresh_token,
    client_id: sb.apple.servicesId,
    client_secret: await appleClientSecret(sb),
  });
  const r = (await refreshed.json()) as { id_token: string };
  expect((await verifyIdToken(sb, 'apple', r.id_token, sb.apple.servicesId)).payload.email).toBe('grace@example.com');
});

test('response_type "code id_token" also posts an id_token; name/email scope needs form_post', async () => {
  const { fields } = await appleAuthorize({ account: 'grace@example.com' }, { response_type: 'code id_token' });
  expect((await verifyIdToken(sb, 'apple', fields.id_token!, sb.apple.servicesId, 'n-apple')).payload.email).toBe('grace@example.com');

  const res = await fetch(
    `${sb.apple.authorizationUrl}?${new URLSearchParams({ response_type: 'code', client_id: sb.apple.servicesId, redirect_uri: REDIRECT, scope: 'name email', state: 'q' })}`,
    { redirect: 'manual' },
  );
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.searchParams.get('error')).toBe('invalid_request');
  expect(location.searchParams.get('state')).toBe('q');
});

test('cancelling posts user_cancelled_authorize back', async () => {
  const picker = await openPicker(sb.apple.authorizationUrl, {
    response_type: 'code',
    response_mode: 'form_post',
    client_id: sb.apple.servicesId,
    redirect_uri: REDIRECT,
    scope: 'name email',
    state: 'c1',
  });
  const res = await choose(picker, { cancel: '1' });
  expect(formOf(await res.text()).fields).toEqual({ error: 'user_cancelled_authorize', state: 'c1' });
});
