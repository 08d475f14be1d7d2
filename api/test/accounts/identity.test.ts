import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { IdentityEntity } from '../../src/accounts/identity/identity.entity';
import { UserEntity } from '../../src/accounts/user.entity';
import { errorCode, GOOD_PASSWORD, LOGIN, signUp, startTestApi, uniqueEmail, type TestApi } from '../support/test-api';

// Google and Apple ID tokens minted here with our own keys, served as JWKS over real HTTP; the
// API is configured with those issuers, JWKS URLs and audiences exactly as it would be with
// the real providers.

const GOOGLE = { issuer: 'https://accounts.google.test', web: 'google-web-client', ios: 'google-ios-client' };
const APPLE = { issuer: 'https://appleid.apple.test', servicesId: 'com.crossbill.web', bundleId: 'com.crossbill.app' };

interface Signer {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

async function signer(kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

let t: TestApi;
let jwksServer: http.Server;
let google: Signer;
let apple: Signer;
let rogue: Signer; // a key no JWKS publishes

beforeAll(async () => {
  [google, apple, rogue] = await Promise.all([signer('g1'), signer('a1'), signer('r1')]);
  jwksServer = http.createServer((req, res) => {
    const keys = req.url === '/google/jwks' ? [google.publicJwk] : req.url === '/apple/jwks' ? [apple.publicJwk] : null;
    res.writeHead(keys ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(keys ? { keys } : {}));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
  t = await startTestApi({
    GOOGLE_ISSUER: GOOGLE.issuer,
    GOOGLE_JWKS_URL: `${base}/google/jwks`,
    GOOGLE_CLIENT_IDS: `${GOOGLE.web},${GOOGLE.ios}`,
    APPLE_ISSUER: APPLE.issuer,
    APPLE_JWKS_URL: `${base}/apple/jwks`,
    APPLE_CLIENT_IDS: `${APPLE.servicesId},${APPLE.bundleId}`,
  });
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

type Claims = Record<string, unknown>;
const now = () => Math.floor(Date.now() / 1000);

async function mint(provider: 'google' | 'apple', claims: Claims = {}, options: { key?: Signer; header?: Record<string, unknown> } = {}) {
  const key = options.key ?? (provider === 'google' ? google : apple);
  const base: Claims =
    provider === 'google'
      ? { iss: GOOGLE.issuer, aud: GOOGLE.web, sub: `g-${randomUUID()}`, email: uniqueEmail('g'), email_verified: true, name: 'Gina Google' }
      : { iss: APPLE.issuer, aud: APPLE.bundleId, sub: `a-${randomUUID()}`, email: uniqueEmail('a'), email_verified: 'true', nonce_supported: true };
  return new SignJWT({ iat: now(), exp: now() + 600, ...base, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...options.header })
    .sign(key.privateKey);
}

const sha256Hex = (v: string) => createHash('sha256').update(v).digest('hex');
const ME = `{ me { id email emailVerified name hasPassword identities { provider email linkedAt } } }`;
const SIGN_IN_GOOGLE = `mutation ($t: String!, $n: String) { signInWithGoogle(idToken: $t, nonce: $n) { accessToken user { id email emailVerified name } } }`;
const SIGN_IN_APPLE = `mutation ($t: String!, $n: String!, $name: PersonNameInput) { signInWithApple(identityToken: $t, nonce: $n, fullName: $name) { accessToken user { id email name } } }`;
const LINK_GOOGLE = `mutation ($t: String!) { linkGoogleIdentity(idToken: $t) { id identities { provider email } } }`;
const LINK_APPLE = `mutation ($t: String!, $n: String!) { linkAppleIdentity(identityToken: $t, nonce: $n) { id identities { provider } } }`;
const UNLINK = `mutation ($p: IdentityProvider!) { unlinkIdentity(provider: $p) { id identities { provider } } }`;

const signInGoogle = async (token: string, nonce?: string) => t.gql(SIGN_IN_GOOGLE, { t: token, n: nonce ?? null });
const verifiedEmailUser = async () => {
  const u = await signUp(t);
  await t.dataSource.getRepository(UserEntity).update(u.user.id, { emailVerifiedAt: new Date() });
  return u;
};

describe('signing in with Google', () => {
  it('creates an account on first use, with a verified email and no password, and signs into it again', async () => {
    const sub = `g-${randomUUID()}`;
    const email = uniqueEmail('new');
    const first = await signInGoogle(await mint('google', { sub, email: email.toUpperCase() }));
    expect(first.errors).toBeUndefined();
    expect(first.data.signInWithGoogle.user).toMatchObject({ email, emailVerified: true, name: 'Gina Google' });
    const me = (await t.gql(ME, {}, { token: first.data.signInWithGoogle.accessToken })).data.me;
    expect(me).toMatchObject({ hasPassword: false, identities: [{ provider: 'GOOGLE', email }] });

    const again = await signInGoogle(await mint('google', { sub, email }));
    expect(again.data.signInWithGoogle.user.id).toBe(first.data.signInWithGoogle.user.id);
    // A password login for that address does not exist.
    expect(errorCode(await t.gql(LOGIN, { input: { email, password: GOOD_PASSWORD } }))).toBe('INVALID_CREDENTIALS');
  });

  it('accepts the iOS client id as audience', async () => {
    expect((await signInGoogle(await mint('google', { aud: GOOGLE.ios }))).errors).toBeUndefined();
  });

  it('links automatically when both emails are verified', async () => {
    const u = await verifiedEmailUser();
    const result = await signInGoogle(await mint('google', { email: u.user.email }));
    expect(result.data.signInWithGoogle.user.id).toBe(u.user.id);
    const identities = await t.dataSource.getRepository(IdentityEntity).findBy({ userId: u.user.id });
    expect(identities.map((i) => i.provider)).toEqual(['google']);
  });

  it("refuses to link when the account's email is not verified, and links nothing", async () => {
    const u = await signUp(t);
    const result = await signInGoogle(await mint('google', { email: u.user.email }));
    expect(errorCode(result)).toBe('ACCOUNT_EXISTS_SIGN_IN_TO_LINK');
    expect(await t.dataSource.getRepository(IdentityEntity).countBy({ userId: u.user.id })).toBe(0);
  });

  it('refuses to create an account from an unverified provider email', async () => {
    const email = uniqueEmail('unverified');
    expect(errorCode(await signInGoogle(await mint('google', { email, email_verified: false })))).toBe('PROVIDER_EMAIL_UNVERIFIED');
    expect(await t.dataSource.getRepository(UserEntity).countBy({ email })).toBe(0);
  });

  it('checks the nonce when one is used', async () => {
    expect((await signInGoogle(await mint('google', { nonce: 'n-123' }), 'n-123')).errors).toBeUndefined();
    expect(errorCode(await signInGoogle(await mint('google', { nonce: 'n-123' }), 'n-999'))).toBe('INVALID_TOKEN');
    expect(errorCode(await signInGoogle(await mint('google', { nonce: 'n-123' })))).toBe('INVALID_TOKEN');
    expect(errorCode(await signInGoogle(await mint('google'), 'n-123'))).toBe('INVALID_TOKEN');
  });
});

describe('rejects forged and unusable tokens', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ['a wrong audience', () => mint('google', { aud: 'someone-elses-client' })],
    ['a wrong issuer', () => mint('google', { iss: 'https://evil.test' })],
    ['an Apple token presented as Google', () => mint('apple')],
    ['an expired token', () => mint('google', { iat: now() - 7200, exp: now() - 3600 })],
    ['a token issued in the future', () => mint('google', { iat: now() + 600, exp: now() + 1200 })],
    ['a token signed by an unpublished key with an unknown kid', () => mint('google', {}, { key: rogue })],
    ['a token signed by an unpublished key claiming a known kid', () => mint('google', {}, { key: { ...rogue, kid: 'g1' } })],
    [
      'alg: none',
      async () => {
        const payload = { iss: GOOGLE.issuer, aud: GOOGLE.web, sub: 'x', email: uniqueEmail(), email_verified: true, iat: now(), exp: now() + 600 };
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${enc({ alg: 'none', kid: 'g1' })}.${enc(payload)}.`;
      },
    ],
    [
      'HS256 signed with the public key',
      () =>
        new SignJWT({ iss: GOOGLE.issuer, aud: GOOGLE.web, sub: 'x', email: uniqueEmail(), email_verified: true })
          .setProtectedHeader({ alg: 'HS256', kid: 'g1' })
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode(google.publicPem)),
    ],
    ['garbage', async () => 'not.a.jwt'],
  ];
  it.each(cases)('%s', async (_label, make) => {
    const before = await t.dataSource.getRepository(UserEntity).count();
    expect(errorCode(await signInGoogle(await make()))).toBe('INVALID_TOKEN');
    expect(await t.dataSource.getRepository(UserEntity).count()).toBe(before);
  });
});

describe('signing in with Apple', () => {
  it('accepts the raw nonce in the token or its SHA-256, keeps the first-time name, and handles string booleans', async () => {
    const raw = `raw-${randomUUID()}`;
    const sub = `a-${randomUUID()}`;
    const hashed = await t.gql(SIGN_IN_APPLE, { t: await mint('apple', { sub, nonce: sha256Hex(raw) }), n: raw, name: { givenName: 'Ada', familyName: 'Lovelace' } });
    expect(hashed.errors).toBeUndefined();
    expect(hashed.data.signInWithApple.user.name).toBe('Ada Lovelace');
    const plain = await t.gql(SIGN_IN_APPLE, { t: await mint('apple', { sub, nonce: raw, aud: APPLE.servicesId }), n: raw });
    expect(plain.data.signInWithApple.user.id).toBe(hashed.data.signInWithApple.user.id);
    expect(plain.data.signInWithApple.user.name).toBe('Ada Lovelace');
  });

  it('rejects a nonce mismatch and a token without a nonce', async () => {
    expect(errorCode(await t.gql(SIGN_IN_APPLE, { t: await mint('apple', { nonce: sha256Hex('a') }), n: 'b' }))).toBe('INVALID_TOKEN');
    expect(errorCode(await t.gql(SIGN_IN_APPLE, { t: await mint('apple'), n: 'b' }))).toBe('INVALID_TOKEN');
    expect(errorCode(await t.gql(SIGN_IN_APPLE, { t: await mint('apple', { nonce: 'x' }), n: '' }))).toBe('BAD_USER_INPUT');
  });

  it('treats a private relay address like any email (it just rarely matches)', async () => {
    const relay = `${randomUUID().slice(0, 8)}@privaterelay.appleid.com`;
    const result = await t.gql(SIGN_IN_APPLE, { t: await mint('apple', { email: relay, is_private_email: 'true', nonce: 'n' }), n: 'n' });
    expect(result.data.signInWithApple.user.email).toBe(relay);
  });
});

describe('linking and unlinking', () => {
  it('links Google and Apple to a signed-in email account, then signs in with either', async () => {
    const u = await signUp(t);
    const sub = `g-${randomUUID()}`;
    const linked = await t.gql(LINK_GOOGLE, { t: await mint('google', { sub, email: uniqueEmail('other') }) }, { token: u.accessToken });
    expect(linked.data.linkGoogleIdentity.identities).toEqual([{ provider: 'GOOGLE', email: expect.stringContaining('@') }]);
    const appleSub = `a-${randomUUID()}`;
    await t.gql(LINK_APPLE, { t: await mint('apple', { sub: appleSub, nonce: 'k' }), n: 'k' }, { token: u.accessToken });
    expect((await signInGoogle(await mint('google', { sub }))).data.signInWithGoogle.user.id).toBe(u.user.id);
    const viaApple = await t.gql(SIGN_IN_APPLE, { t: await mint('apple', { sub: appleSub, nonce: 'z' }), n: 'z' });
    expect(viaApple.data.signInWithApple.user.id).toBe(u.user.id);
  });

  it('refuses an identity linked to another account', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const sub = `g-${randomUUID()}`;
    await t.gql(LINK_GOOGLE, { t: await mint('google', { sub }) }, { token: owner.accessToken });
    expect(errorCode(await t.gql(LINK_GOOGLE, { t: await mint('google', { sub }) }, { token: other.accessToken }))).toBe('IDENTITY_IN_USE');
    // Linking the same identity again to its owner is harmless.
    expect((await t.gql(LINK_GOOGLE, { t: await mint('google', { sub }) }, { token: owner.accessToken })).errors).toBeUndefined();
  });

  it('needs a signed-in caller and a valid token', async () => {
    expect(errorCode(await t.gql(LINK_GOOGLE, { t: await mint('google') }))).toBe('UNAUTHENTICATED');
    const u = await signUp(t);
    expect(errorCode(await t.gql(LINK_GOOGLE, { t: await mint('google', { aud: 'nope' }) }, { token: u.accessToken }))).toBe('INVALID_TOKEN');
  });

  it('unlinks only while another way to sign in remains', async () => {
    const created = await signInGoogle(await mint('google'));
    const token = created.data.signInWithGoogle.accessToken;
    expect(errorCode(await t.gql(UNLINK, { p: 'GOOGLE' }, { token }))).toBe('LAST_SIGN_IN_METHOD');
    await t.gql(LINK_APPLE, { t: await mint('apple', { nonce: 'q' }), n: 'q' }, { token });
    expect((await t.gql(UNLINK, { p: 'GOOGLE' }, { token })).data.unlinkIdentity.identities).toEqual([{ provider: 'APPLE' }]);
    expect(errorCode(await t.gql(UNLINK, { p: 'APPLE' }, { token }))).toBe('LAST_SIGN_IN_METHOD');
    expect(errorCode(await t.gql(UNLINK, { p: 'GOOGLE' }, { token }))).toBe('NOT_FOUND');

    const withPassword = await signUp(t);
    await t.gql(LINK_GOOGLE, { t: await mint('google') }, { token: withPassword.accessToken });
    expect((await t.gql(UNLINK, { p: 'GOOGLE' }, { token: withPassword.accessToken })).data.unlinkIdentity.identities).toEqual([]);
  });
});

it('answers PROVIDER_NOT_CONFIGURED when a provider has no client ids', async () => {
  const bare = await startTestApi();
  try {
    expect(errorCode(await bare.gql(SIGN_IN_GOOGLE, { t: await mint('google'), n: null }))).toBe('PROVIDER_NOT_CONFIGURED');
  } finally {
    await bare.close();
  }
});
