/** Google: authorization code flow with PKCE through the account picker, token errors, userinfo. */
import { OidcSandbox, startOidcSandbox } from '../src';
import { REDIRECT, choose, googleCode, openPicker, post, verifyIdToken } from './support/flow';

let sb: OidcSandbox;
beforeAll(async () => {
  sb = await startOidcSandbox({ port: 0 });
});
afterAll(async () => {
  await sb.close();
});

const exchange = (code: string, verifier: string, over: Record<string, string> = {}) =>
  post(sb.google.tokenUrl, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    client_id: sb.google.webClientId,
    client_secret: sb.google.webClientSecret,
    ...over,
  });

test('the picker lists the preset accounts and the custom form', async () => {
  const picker = await openPicker(sb.google.authorizationUrl, {
    response_type: 'code',
    client_id: sb.google.webClientId,
    redirect_uri: REDIRECT,
    scope: 'openid email',
    login_hint: 'someone@example.com',
  });
  for (const email of ['ada@example.com', 'grace@example.com', 'alan@example.com']) {
    expect(picker.html).toContain(`aria-label="Continue as ${email}"`);
  }
  expect(picker.html).not.toContain('privaterelay');
  expect(picker.html).toMatch(/<label for="email">Email<\/label>/);
  expect(picker.html).toMatch(/<label for="name">Name<\/label>/);
  expect(picker.html).toMatch(/checked> Email verified<\/label>/);
  expect(picker.html).toContain('>Continue</button>');
  expect(picker.html).toContain('value="someone@example.com"');
});

test('full code flow with PKCE: picker → code → token → id_token verifies against the JWKS', async () => {
  const { location, code, state, nonce, verifier } = await googleCode(sb, { account: 'ada@example.com' });
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  expect(location.searchParams.get('state')).toBe(state);

  const res = await exchange(code, verifier);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid email profile' });
  expect(body.refresh_token).toBeUndefined();

  const { payload, protectedHeader } = await verifyIdToken(sb, 'google', body.id_token as string, sb.google.webClientId, nonce);
  expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
  expect(payload).toMatchObject({
    iss: sb.google.issuer,
    aud: sb.google.webClientId,
    azp: sb.google.webClientId,
    sub: expect.stringMatching(/^1\d{20}$/),
    email: 'ada@example.com',
    email_verified: true,
    name: 'Ada Lovelace',
    given_name: 'Ada',
    family_name: 'Lovelace',
  });
  expect(payload.exp! - payload.iat!).toBe(3600);

  const info = await fetch(sb.google.userinfoUrl, { headers: { Authorization: `Bearer ${body.access_token as string}` } });
  expect(await info.json()).toEqual({
    sub: payload.sub,
    email: 'ada@example.com',
    email_verified: true,
    name: 'Ada Lovelace',
    given_name: 'Ada',
    family_name: 'Lovelace',
  });
  expect((await fetch(sb.google.userinfoUrl, { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
});

test('the same email gets the same sub; a custom account can have an unverified email', async () => {
  const a = await googleCode(sb, { custom: '1', email: 'ada@example.com', name: 'Ada L', email_verified: 'true' });
  const b = await googleCode(sb, { custom: '1', email: 'new.person@example.org', name: 'New Person' });
  const ta = (await (await exchange(a.code, a.verifier)).json()) as { id_token: string };
  const tb = (await (await exchange(b.code, b.verifier)).json()) as { id_token: string };
  const pa = (await verifyIdToken(sb, 'google', ta.id_token, sb.google.webClientId)).payload;
  const pb = (await verifyIdToken(sb, 'google', tb.id_token, sb.google.webClientId)).payload;
  const minted = (await verifyIdToken(sb, 'google', await sb.mintIdToken('google', { email: 'ada@example.com' }), sb.google.webClientId)).payload;
  expect(pa.sub).toBe(minted.sub);
  expect(pa).toMatchObject({ email: 'ada@example.com', email_verified: true, name: 'Ada L' });
  expect(pb).toMatchObject({ email: 'new.person@example.org', email_verified: false, name: 'New Person' });
  expect(pb.sub).not.toBe(pa.sub);
});

test('a code is single-use and bound to redirect_uri, verifier and client', async () => {
  const first = await googleCode(sb, { account: 'grace@example.com' });
  expect((await exchange(first.code, first.verifier)).status).toBe(200);
  const reused = await exchange(first.code, first.verifier);
  expect(reused.status).toBe(400);
  expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });

  const wrongRedirect = await googleCode(sb, { account: 'grace@example.com' });
  const r1 = await exchange(wrongRedirect.code, wrongRedirect.verifier, { redirect_uri: 'http://localhost:3000/other' });
  expect([r1.status, ((await r1.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
  // …and the failed attempt used the code up.
  expect((await exchange(wrongRedirect.code, wrongRedirect.verifier)).status).toBe(400);

  const wrongVerifier = await googleCode(sb, { account: 'grace@example.com' });
  const r2 = await exchange(wrongVerifier.code, 'x'.repeat(43));
  expect([r2.status, ((await r2.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);

  const noVerifier = await googleCode(sb, { account: 'grace@example.com' });
  const r3 = await exchange(noVerifier.code, '');
  expect(((await r3.json()) as { error: string }).error).toBe('invalid_grant');

  const garbage = await exchange('4/0Anot-a-code', 'x'.repeat(43));
  expect(((await garbage.json()) as { error: string }).error).toBe('invalid_grant');
});

test('client authentication: wrong secret is invalid_client (401), HTTP Basic works', async () => {
  const c = await googleCode(sb, { account: 'ada@example.com' });
  const bad = await exchange(c.code, c.verifier, { client_secret: 'wrong' });
  expect(bad.status).toBe(401);
  expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
  const unknown = await exchange(c.code, c.verifier, { client_id: sb.google.clientIds[1]! });
  expect(((await unknown.json()) as { error: string }).error).toBe('invalid_client');

  // The code survived the failed client authentications.
  const basic = Buffer.from(`${encodeURIComponent(sb.google.webClientId)}:${encodeURIComponent(sb.google.webClientSecret)}`).toString('base64');
  const ok = await post(
    sb.google.tokenUrl,
    { grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier },
    { Authorization: `Basic ${basic}` },
  );
  expect(ok.status).toBe(200);
});

test('codes expire after 60 seconds', async () => {
  const c = await googleCode(sb, { account: 'ada@example.com' });
  const realNow = Date.now;
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
  try {
    const res = await exchange(c.code, c.verifier);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining('expired') });
  } finally {
    jest.restoreAllMocks();
  }
});

test('access_type=offline gives a refresh token that refreshes', async () => {
  const c = await googleCode(sb, { account: 'ada@example.com' }, { access_type: 'offline' });
  const body = (await (await exchange(c.code, c.verifier)).json()) as { refresh_token: string };
  expect(body.refresh_token).toMatch(/^1\/\/0g/);
  const refreshed = await post(sb.google.tokenUrl, {
    grant_type: 'refresh_token',
    refresh_token: body.refresh_token,
    client_id: sb.google.webClientId,
    client_secret: sb.google.webClientSecret,
  });
  const r = (await refreshed.json()) as { id_token: string; access_token: string };
  expect(r.access_token).toMatch(/^ya29\./);
  expect((await verifyIdToken(sb, 'google', r.id_token, sb.google.webClientId)).payload.email).toBe('ada@example.com');
});

test('cancelling returns access_denied with the state', async () => {
  const picker = await openPicker(sb.google.authorizationUrl, {
    response_type: 'code',
    client_id: sb.google.webClientId,
    redirect_uri: REDIRECT,
    scope: 'openid',
    state: 's1',
  });
  const res = await choose(picker, { cancel: '1' });
  const location = new URL(res.headers.get('location')!);
  expect(Object.fromEntries(location.searchParams)).toEqual({ error: 'access_denied', state: 's1' });
  // The picker request is used up.
  expect((await choose(picker, { account: 'ada@example.com' })).status).toBe(400);
});
