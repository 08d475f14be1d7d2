/** Discovery, JWKS, authorization request validation, mintIdToken, restarts and the state file. */
import { jwtVerify, createRemoteJWKSet, errors } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OidcSandbox, startOidcSandbox } from '../src';
import { REDIRECT, choose, formOf, openPicker, verifyIdToken } from './support/flow';

let sb: OidcSandbox;
beforeAll(async () => {
  sb = await startOidcSandbox({ port: 0 });
});
afterAll(async () => {
  await sb.close();
});

test.each(['google', 'apple'] as const)('%s discovery document and JWKS', async (provider) => {
  const p = sb[provider];
  const res = await fetch(`${p.issuer}/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as Record<string, unknown>;
  expect(doc).toMatchObject({
    issuer: p.issuer,
    authorization_endpoint: p.authorizationUrl,
    token_endpoint: p.tokenUrl,
    jwks_uri: p.jwksUrl,
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: expect.arrayContaining(['S256']),
  });
  expect(p.issuer).toBe(`${sb.url}/${provider}`);
  const jwks = (await (await fetch(p.jwksUrl)).json()) as { keys: Array<Record<string, string>> };
  expect(jwks.keys).toHaveLength(1);
  expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), e: 'AQAB' });
  expect(jwks.keys[0]!.d).toBeUndefined();
});

test('the two issuers sign with different keys', async () => {
  const g = (await (await fetch(sb.google.jwksUrl)).json()) as { keys: Array<{ kid: string }> };
  const a = (await (await fetch(sb.apple.jwksUrl)).json()) as { keys: Array<{ kid: string }> };
  expect(g.keys[0]!.kid).not.toBe(a.keys[0]!.kid);
  const appleToken = await sb.mintIdToken('apple', {});
  await expect(jwtVerify(appleToken, createRemoteJWKSet(new URL(sb.google.jwksUrl)))).rejects.toThrow();
});

test('unknown client_id and bad redirect_uri are refused on the page, not redirected', async () => {
  const base = { response_type: 'code', redirect_uri: REDIRECT, scope: 'openid email' };
  const cases: Array<[string, Record<string, string>, string]> = [
    [sb.google.authorizationUrl, { ...base, client_id: 'someone-else.apps.googleusercontent.com' }, 'invalid_client'],
    [sb.google.authorizationUrl, { ...base, client_id: sb.google.clientIds[1]! }, 'invalid_client'],
    [sb.apple.authorizationUrl, { ...base, client_id: 'com.example.other', response_mode: 'form_post' }, 'invalid_client'],
    [sb.apple.authorizationUrl, { ...base, client_id: sb.apple.bundleId, response_mode: 'form_post' }, 'invalid_client'],
    [sb.google.authorizationUrl, { ...base, client_id: sb.google.webClientId, redirect_uri: 'not a url' }, 'invalid_request'],
  ];
  for (const [url, params, error] of cases) {
    const res = await fetch(`${url}?${new URLSearchParams(params)}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(`Error: ${error}`);
  }
});

test('other bad requests go back to the redirect_uri with an error', async () => {
  const res = await fetch(
    `${sb.google.authorizationUrl}?${new URLSearchParams({ response_type: 'token', client_id: sb.google.webClientId, redirect_uri: REDIRECT, scope: 'openid', state: 'z' })}`,
    { redirect: 'manual' },
  );
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.searchParams.get('error')).toBe('unsupported_response_type');
  expect(location.searchParams.get('state')).toBe('z');
});

test('mintIdToken: Google and Apple tokens verify, with the claims given', async () => {
  const g = await sb.mintIdToken('google', { email: 'grace@example.com', nonce: 'n1', aud: sb.google.clientIds[1] });
  const gp = (await verifyIdToken(sb, 'google', g, sb.google.clientIds[1]!, 'n1')).payload;
  expect(gp).toMatchObject({ email: 'grace@example.com', email_verified: true, name: 'Grace Hopper', azp: sb.google.clientIds[1] });

  const a = await sb.mintIdToken('apple', { email: 'x@privaterelay.appleid.com', aud: sb.apple.bundleId, nonce: 'hashed' });
  const ap = (await verifyIdToken(sb, 'apple', a, sb.apple.bundleId, 'hashed')).payload;
  expect(ap).toMatchObject({ email_verified: 'true', is_private_email: 'true', nonce_supported: true });

  const unverified = await sb.mintIdToken('apple', { email: 'alan@example.com', is_private_email: false, sub: '000001.fixed.0001' });
  expect((await verifyIdToken(sb, 'apple', unverified, sb.apple.servicesId)).payload).toMatchObject({
    sub: '000001.fixed.0001',
    email_verified: 'false',
    is_private_email: 'false',
  });

  const now = Math.floor(Date.now() / 1000);
  const expired = await sb.mintIdToken('google', { iat: now - 7200, exp: now - 3600 });
  await expect(verifyIdToken(sb, 'google', expired, sb.google.webClientId)).rejects.toBeInstanceOf(errors.JWTExpired);
});

/** Fields Apple posts back after Ada picks herself. */
async function appleAnswer(s: OidcSandbox): Promise<Record<string, string>> {
  const picker = await openPicker(s.apple.authorizationUrl, {
    response_type: 'code',
    response_mode: 'form_post',
    client_id: s.apple.servicesId,
    redirect_uri: REDIRECT,
    scope: 'name email',
  });
  return formOf(await (await choose(picker, { account: 'ada@example.com' })).text()).fields;
}

test('subs are stable across restarts; a state file keeps the keys and Apple consent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-sandbox-'));
  const stateFile = join(dir, 'oidc.json');
  try {
    const one = await startOidcSandbox({ port: 0, stateFile });
    const oneKid = ((await (await fetch(one.google.jwksUrl)).json()) as { keys: Array<{ kid: string }> }).keys[0]!.kid;
    const subOne = (await verifyIdToken(one, 'apple', await one.mintIdToken('apple', {}), one.apple.servicesId)).payload.sub;
    expect((await appleAnswer(one)).user).toBeDefined();
    await one.close();
    const two = await startOidcSandbox({ port: 0, stateFile });
    const twoKid = ((await (await fetch(two.google.jwksUrl)).json()) as { keys: Array<{ kid: string }> }).keys[0]!.kid;
    expect(twoKid).toBe(oneKid);
    expect(two.apple.privateKeyPem).toBe(one.apple.privateKeyPem);
    expect(two.apple.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((await appleAnswer(two)).user).toBeUndefined();
    await two.close();
    const fresh = await startOidcSandbox({ port: 0 });
    expect(fresh.apple.privateKeyPem).not.toBe(one.apple.privateKeyPem);
    const subFresh = (await verifyIdToken(fresh, 'apple', await fresh.mintIdToken('apple', {}), fresh.apple.servicesId)).payload.sub;
    expect(subFresh).toBe(subOne);
    expect((await appleAnswer(fresh)).user).toBeDefined();
    await fresh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
