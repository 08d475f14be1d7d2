import { execFile } from 'node:child_process';
import { createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { StoreSubscriptionEntity, type NormalizedStatus } from '../../src/billing/store-subscription.entity';
import { newAppId, newPrivateKey, newPublicKeyId, openPrivateKey, sealPrivateKey } from '../../src/retention/apps/key-crypto';
import { signUpAdmin, startApiWithStores, stripeSubscriber as stripeSubscriberOf, type StoresAndApi, type TestUser } from '../support/store-sandboxes';
import { errorCode, signUp, uniqueEmail, type TestApi } from '../support/test-api';

// Apps and their key pairs, the server-to-server precancel endpoint (Chargebee Retention's
// contract) and the embed's Vibess-style start. Every signature here is computed independently
// with node:crypto, as an app's server would, never with the code under test.

const run = promisify(execFile);
const tsx = path.resolve(__dirname, '../../../node_modules/.bin/tsx');
const appsCli = path.resolve(__dirname, '../../src/retention/apps/apps-cli.ts');
const SECRET = 'retention-apps-test-secret-0123456789abcdef';

describe('key crypto', () => {
  const key = randomBytes(32);

  it('makes ids and private keys of the documented shapes, all different', () => {
    expect(newAppId()).toMatch(/^app_[0-9A-Za-z]{20}$/);
    expect(newPublicKeyId()).toMatch(/^pk_[0-9A-Za-z]{24}$/);
    expect(newPrivateKey()).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
    expect(new Set(Array.from({ length: 200 }, newPublicKeyId)).size).toBe(200);
  });

  it('seals with AES-256-GCM as base64url(iv ‖ ciphertext ‖ tag), the public key id authenticated', () => {
    const sealed = sealPrivateKey(key, 'pk_one', 'sk_secret');
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from('pk_one'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    expect(Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString()).toBe('sk_secret');
    expect(openPrivateKey(key, 'pk_one', sealed)).toBe('sk_secret');
    expect(sealPrivateKey(key, 'pk_one', 'sk_secret')).not.toBe(sealed); // a fresh IV each time
  });

  it('refuses another key, another key row, tampering and garbage', () => {
    const sealed = sealPrivateKey(key, 'pk_one', 'sk_secret');
    expect(() => openPrivateKey(randomBytes(32), 'pk_one', sealed)).toThrow();
    expect(() => openPrivateKey(key, 'pk_two', sealed)).toThrow();
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[14]! ^= 1;
    expect(() => openPrivateKey(key, 'pk_one', bytes.toString('base64url'))).toThrow();
    expect(() => openPrivateKey(key, 'pk_one', 'abc')).toThrow();
    expect(() => sealPrivateKey(randomBytes(16), 'pk_one', 'x')).toThrow(/32 bytes/);
  });
});

describe('retention apps', () => {
  let s: StoresAndApi;
  let t: TestApi;
  let admin: User;

  type User = TestUser;
  type Credentials = { app: { id: string; name: string; keys: Array<{ publicKey: string; lastUsedAt: string | null; revokedAt: string | null }> }; publicKey: string; privateKey: string };
  type Subscriber = Awaited<ReturnType<typeof stripeSubscriberOf>>;

  beforeAll(async () => {
    s = await startApiWithStores({ env: { RETENTION_SECRET: SECRET } });
    t = s.t;
    admin = await signUpAdmin(t);
  });
  afterAll(() => s?.close());

  const APP_FIELDS = `id name createdAt keys { publicKey createdAt lastUsedAt revokedAt }`;
  const CREATE_APP = `mutation ($n: String!) { createRetentionApp(name: $n) { app { ${APP_FIELDS} } publicKey privateKey } }`;
  const CREATE_KEY = `mutation ($a: ID!) { createRetentionAppKey(appId: $a) { app { ${APP_FIELDS} } publicKey privateKey } }`;
  const REVOKE_KEY = `mutation ($k: ID!) { revokeRetentionAppKey(publicKey: $k) { ${APP_FIELDS} } }`;
  const LIST = `{ retentionApps { ${APP_FIELDS} } }`;
  const EMBED = `mutation ($input: AppCancelFlowInput!) { startCancelFlowForApp(input: $input) { token url expiresAt } }`;
  const FLOW = `query ($t: String!) { cancelFlow(token: $t) { step store mode } }`;

  async function createApp(name = 'Test app'): Promise<Credentials> {
    const result = await t.gql(CREATE_APP, { n: name }, { token: admin.accessToken });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data.createRetentionApp;
  }

  const stripeSubscriber = () => stripeSubscriberOf(s);

  /** A subscription row as the App Store code would have written it (no App Store needed here). */
  async function appStoreSubscription(userId: string, status: NormalizedStatus = 'active'): Promise<StoreSubscriptionEntity> {
    return t.dataSource.getRepository(StoreSubscriptionEntity).save({
      store: 'app_store',
      storeId: String(2_000_000_000_000_000 + Math.floor(Math.random() * 1e9)),
      userId,
      planKey: 'pro-monthly',
      productId: 'com.crossbill.pro.monthly',
      status,
      storeStatus: status === 'active' ? '1' : '2',
      currentPeriodEnd: new Date(Date.now() + (status === 'active' ? 20 : -2) * 86_400_000),
      willRenew: status === 'active',
      gracePeriodEnd: null,
      canceledAt: null,
      environment: 'sandbox',
      lastEventAt: new Date(),
      raw: {},
    });
  }

  const now = () => Math.floor(Date.now() / 1000);
  const tokenOf = (url: string) => url.slice(`${t.config.publicWebUrl}/cancel/`.length);

  /** What an app's server sends: the body as bytes, and hex HMAC-SHA512 of exactly those bytes. */
  async function precancel(raw: string, headers: Record<string, string | undefined>) {
    const res = await fetch(`${t.url}/api/precancel`, {
      method: 'POST',
      headers: Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...headers }).filter(([, v]) => v !== undefined)) as Record<string, string>,
      body: raw,
    });
    return { status: res.status, body: (await res.json()) as { valid: boolean; message: string } };
  }
  const sign512 = (privateKey: string, raw: string) => createHmac('sha512', privateKey).update(raw).digest('hex');
  async function signedPrecancel(credentials: { publicKey: string; privateKey: string }, body: Record<string, unknown>) {
    const raw = JSON.stringify(body);
    return precancel(raw, { Signature: sign512(credentials.privateKey, raw), 'Signature-Public-Key': credentials.publicKey });
  }

  /** The Vibess-style embed hmac: hex HMAC-SHA256 of customerId (or email) + appId + expiresAt. */
  const vibess = (privateKey: string, subject: string, appId: string, expiresAt: string) => createHmac('sha256', privateKey).update(subject + appId + expiresAt).digest('hex');

  describe('apps and keys (admin only)', () => {
    it('refuses non-admins and anonymous callers', async () => {
      const user = await signUp(t);
      const { app, publicKey } = await createApp();
      for (const [query, variables] of [
        [LIST, {}],
        [CREATE_APP, { n: 'Nope' }],
        [CREATE_KEY, { a: app.id }],
        [REVOKE_KEY, { k: publicKey }],
      ] as const) {
        expect(errorCode(await t.gql(query, variables, { token: user.accessToken }))).toBe('FORBIDDEN');
        expect(errorCode(await t.gql(query, variables))).toBe('UNAUTHENTICATED');
      }
    });

    it('creates an app with a first key pair; the private key is returned once and kept only encrypted', async () => {
      const created = await createApp('  Acme Notes  ');
      expect(created.app).toMatchObject({ id: expect.stringMatching(/^app_[0-9A-Za-z]{20}$/), name: 'Acme Notes', keys: [{ publicKey: created.publicKey, lastUsedAt: null, revokedAt: null }] });
      expect(created.publicKey).toMatch(/^pk_[0-9A-Za-z]{24}$/);
      expect(created.privateKey).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);

      // No API reads it back: the key type has no such field.
      expect(errorCode(await t.gql(`{ retentionApps { keys { privateKey } } }`, {}, { token: admin.accessToken }))).toBe('GRAPHQL_VALIDATION_FAILED');
      const listed = (await t.gql(LIST, {}, { token: admin.accessToken })).data.retentionApps;
      expect(listed.find((a: { id: string }) => a.id === created.app.id)).toEqual(created.app);

      const [row] = await t.dataSource.query(`SELECT * FROM retention_app_key WHERE public_key = $1`, [created.publicKey]);
      const stored = JSON.stringify(row);
      const secretPart = created.privateKey.slice(3);
      expect(stored).not.toContain(secretPart);
      expect(stored).not.toContain(Buffer.from(secretPart, 'base64url').toString('hex'));
      expect(stored).not.toContain(Buffer.from(created.privateKey).toString('base64url'));
      // It decrypts with the configured key (derived from RETENTION_SECRET here), and only with it.
      expect(t.config.retention.appKeysEncryptionKey).toHaveLength(32);
      expect(openPrivateKey(t.config.retention.appKeysEncryptionKey, created.publicKey, row.private_key_encrypted)).toBe(created.privateKey);
      expect(() => openPrivateKey(randomBytes(32), created.publicKey, row.private_key_encrypted)).toThrow();
    });

    it('validates the name', async () => {
      for (const name of ['', '   ', 'x'.repeat(81)]) {
        expect(errorCode(await t.gql(CREATE_APP, { n: name }, { token: admin.accessToken }))).toBe('BAD_USER_INPUT');
      }
      expect((await createApp('x'.repeat(80))).app.name).toHaveLength(80);
    });

    it('rotates and revokes keys; unknown apps and keys are NOT_FOUND', async () => {
      const first = await createApp('Rotating');
      const second = (await t.gql(CREATE_KEY, { a: first.app.id }, { token: admin.accessToken })).data.createRetentionAppKey;
      expect(second.publicKey).not.toBe(first.publicKey);
      expect(second.privateKey).not.toBe(first.privateKey);
      expect(second.app.keys.map((k: { publicKey: string }) => k.publicKey)).toEqual([first.publicKey, second.publicKey]);

      const revoked = (await t.gql(REVOKE_KEY, { k: first.publicKey }, { token: admin.accessToken })).data.revokeRetentionAppKey;
      expect(revoked.keys[0].revokedAt).toEqual(expect.any(String));
      expect(revoked.keys[1].revokedAt).toBeNull();
      // Revoking again keeps the first time.
      const again = (await t.gql(REVOKE_KEY, { k: first.publicKey }, { token: admin.accessToken })).data.revokeRetentionAppKey;
      expect(again.keys[0].revokedAt).toBe(revoked.keys[0].revokedAt);

      expect(errorCode(await t.gql(CREATE_KEY, { a: 'app_unknown' }, { token: admin.accessToken }))).toBe('NOT_FOUND');
      expect(errorCode(await t.gql(REVOKE_KEY, { k: 'pk_unknown' }, { token: admin.accessToken }))).toBe('NOT_FOUND');
    });
  });

  describe('POST /api/precancel', () => {
    let app: Credentials;
    let other: Credentials;
    let subscriber: Subscriber;

    beforeAll(async () => {
      app = await createApp('Precancel app');
      other = await createApp('Another app');
      subscriber = await stripeSubscriber();
    });

    it('starts a session for a correctly signed request, whose URL opens the flow', async () => {
      const answer = await signedPrecancel(app, { app_id: app.app.id, subscription_id: subscriber.stripeId, account: { internal_id: subscriber.user.user.id }, timestamp: now() });
      expect(answer).toEqual({ status: 200, body: { valid: true, message: expect.stringMatching(new RegExp(`^${t.config.publicWebUrl}/cancel/`)) } });
      const token = tokenOf(answer.body.message);
      expect((await t.gql(FLOW, { t: token })).data.cancelFlow).toEqual({ step: 'reason', store: 'STRIPE', mode: 'LIVE' });
      const [session] = await t.dataSource.query(`SELECT source, app_id, mode FROM cancel_session WHERE subscription_id = $1 ORDER BY created_at DESC LIMIT 1`, [subscriber.id]);
      expect(session).toEqual({ source: 'precancel', app_id: app.app.id, mode: 'live' });
      const [key] = await t.dataSource.query(`SELECT last_used_at FROM retention_app_key WHERE public_key = $1`, [app.publicKey]);
      expect(key.last_used_at).toBeInstanceOf(Date);
    });

    it('accepts Crossbill’s subscription id, a timestamp in milliseconds, and test mode', async () => {
      const answer = await signedPrecancel(app, { app_id: app.app.id, subscription_id: subscriber.id, timestamp: Date.now(), mode: 'test' });
      expect(answer.status).toBe(200);
      expect((await t.gql(FLOW, { t: tokenOf(answer.body.message) })).data.cancelFlow.mode).toBe('TEST');
    });

    it('accepts an App Store original transaction id', async () => {
      const user = await signUp(t);
      const row = await appStoreSubscription(user.user.id);
      const answer = await signedPrecancel(app, { app_id: app.app.id, subscription_id: row.storeId, account: { internal_id: user.user.id }, timestamp: now() });
      expect(answer.status).toBe(200);
      expect((await t.gql(FLOW, { t: tokenOf(answer.body.message) })).data.cancelFlow.store).toBe('APP_STORE');
    });

    it('refuses bad keys, timestamps and signatures with Chargebee’s messages', async () => {
      const body = { app_id: app.app.id, subscription_id: subscriber.stripeId, timestamp: now() };
      const raw = JSON.stringify(body);
      const good = { Signature: sign512(app.privateKey, raw), 'Signature-Public-Key': app.publicKey };
      const rotated = (await t.gql(CREATE_KEY, { a: app.app.id }, { token: admin.accessToken })).data.createRetentionAppKey;
      await t.gql(REVOKE_KEY, { k: rotated.publicKey }, { token: admin.accessToken });
      const withTime = (timestamp: unknown) => JSON.stringify({ ...body, timestamp });
      const cases: Array<[string, string, Record<string, string | undefined>, number, string]> = [
        ['unknown key id', raw, { ...good, 'Signature-Public-Key': 'pk_doesnotexist' }, 401, 'Invalid Key Id'],
        ['another app’s key', raw, { Signature: sign512(other.privateKey, raw), 'Signature-Public-Key': other.publicKey }, 401, 'Invalid Key Id'],
        ['a revoked key', raw, { Signature: sign512(rotated.privateKey, raw), 'Signature-Public-Key': rotated.publicKey }, 401, 'Invalid Key Id'],
        ['no key header', raw, { ...good, 'Signature-Public-Key': undefined }, 401, 'Invalid Key Id'],
        ['2 hours ahead', withTime(now() + 7200), { ...good, Signature: sign512(app.privateKey, withTime(now() + 7200)) }, 401, 'Invalid timestamp'],
        ['2 hours old', withTime(now() - 7200), { ...good, Signature: sign512(app.privateKey, withTime(now() - 7200)) }, 401, 'Invalid timestamp'],
        ['no timestamp', JSON.stringify({ ...body, timestamp: undefined }), good, 401, 'Invalid timestamp'],
        ['a timestamp that is not a number', withTime('yesterday'), good, 401, 'Invalid timestamp'],
        ['a body changed after signing', raw.replace(subscriber.stripeId, subscriber.id), good, 401, 'Invalid Signature'],
        ['whitespace added after signing', `${raw} `, good, 401, 'Invalid Signature'],
        ['a signature with another key', raw, { ...good, Signature: sign512(other.privateKey, raw) }, 401, 'Invalid Signature'],
        ['a truncated signature', raw, { ...good, Signature: good.Signature.slice(0, 64) }, 401, 'Invalid Signature'],
        ['no signature header', raw, { ...good, Signature: undefined }, 401, 'Invalid Signature'],
        ['malformed JSON', '{"app_id": ', good, 400, 'Malformed JSON body'],
        ['a JSON array', '[]', good, 400, 'Malformed JSON body'],
        ['an unknown app', JSON.stringify({ ...body, app_id: 'app_doesnotexist' }), good, 404, 'Unknown app_id'],
      ];
      for (const [name, bytes, headers, status, message] of cases) {
        expect({ name, ...(await precancel(bytes, headers)) }).toEqual({ name, status, body: { valid: false, message } });
      }
      // An uppercase signature is the same signature.
      expect((await precancel(raw, { ...good, Signature: good.Signature.toUpperCase() })).status).toBe(200);
    });

    it('finds the subscription, or says clearly why not — without revealing other people’s', async () => {
      const stranger = await signUp(t);
      const expired = await appStoreSubscription(subscriber.user.user.id, 'expired');
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ subscription_id: 'sub_doesnotexist' }, 404, 'Unknown subscription'],
        [{ subscription_id: '6f1c1b8e-0b7c-4f57-9a43-3d2b0b8d1e11' }, 404, 'Unknown subscription'],
        [{ subscription_id: subscriber.stripeId, account: { internal_id: stranger.user.id } }, 404, 'Unknown subscription'],
        [{ subscription_id: subscriber.stripeId, email: stranger.user.email }, 404, 'Unknown subscription'],
        [{}, 400, 'Send subscription_id or email'],
        [{ subscription_id: 42 }, 400, 'subscription_id must be a string'],
        [{ subscription_id: expired.storeId }, 400, 'This subscription is not active.'],
        [{ subscription_id: subscriber.id, mode: 'dry-run' }, 400, 'mode must be "live" or "test"'],
      ];
      for (const [fields, status, message] of cases) {
        const answer = await signedPrecancel(app, { app_id: app.app.id, timestamp: now(), ...fields });
        expect({ fields, ...answer }).toEqual({ fields, status, body: { valid: false, message } });
      }
    });

    it('by email: exactly one account with exactly one live subscription, else one and the same message', async () => {
      const byEmail = (email: string, extra: Record<string, unknown> = {}) => signedPrecancel(app, { app_id: app.app.id, email, timestamp: now(), ...extra });
      const good = await byEmail(subscriber.user.user.email.toUpperCase(), { account: { internal_id: subscriber.user.user.id } });
      expect(good.status).toBe(200);
      const [session] = await t.dataSource.query(`SELECT subscription_id FROM cancel_session WHERE source = 'precancel' ORDER BY created_at DESC LIMIT 1`);
      expect(session.subscription_id).toBe(subscriber.id);

      const twoLive = await signUp(t);
      await appStoreSubscription(twoLive.user.id);
      await appStoreSubscription(twoLive.user.id);
      const noneLive = await signUp(t);
      await appStoreSubscription(noneLive.user.id, 'expired');
      const refusal = { status: 400, body: { valid: false, message: 'This email does not identify exactly one subscriber; send the subscription id instead.' } };
      expect(await byEmail(uniqueEmail('nobody'))).toEqual(refusal);
      expect(await byEmail(twoLive.user.email)).toEqual(refusal);
      expect(await byEmail(noneLive.user.email)).toEqual(refusal);
      expect(await byEmail(subscriber.user.user.email, { account: { internal_id: twoLive.user.id } })).toEqual(refusal);
    });
  });

  describe('startCancelFlowForApp (the embed’s Vibess-style start)', () => {
    let app: Credentials;
    let other: Credentials;
    let subscriber: Subscriber;
    let stranger: Subscriber;

    beforeAll(async () => {
      app = await createApp('Embed app');
      other = await createApp('Other embed app');
      subscriber = await stripeSubscriber();
      stranger = await stripeSubscriber();
    });

    const inAnHour = () => String(now() + 3600);
    async function embed(input: Record<string, unknown>) {
      return t.gql(EMBED, { input });
    }
    async function started(input: Record<string, unknown>): Promise<{ token: string; url: string }> {
      const result = await embed(input);
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      return result.data.startCancelFlowForApp;
    }
    async function lastSession() {
      const [session] = await t.dataSource.query(`SELECT subscription_id, source, app_id, mode FROM cancel_session ORDER BY created_at DESC LIMIT 1`);
      return session;
    }

    it('starts by Crossbill user id, with no sign-in', async () => {
      const expiresAt = inAnHour();
      const customerId = subscriber.user.user.id;
      const session = await started({ appId: app.app.id, customerId, hmac: vibess(app.privateKey, customerId, app.app.id, expiresAt), expiresAt });
      expect(session.url).toBe(`${t.config.publicWebUrl}/cancel/${session.token}`);
      expect((await t.gql(FLOW, { t: session.token })).data.cancelFlow).toEqual({ step: 'reason', store: 'STRIPE', mode: 'LIVE' });
      expect(await lastSession()).toEqual({ subscription_id: subscriber.id, source: 'embed', app_id: app.app.id, mode: 'live' });
    });

    it('starts by Stripe customer id, naming the subscription in any of its ids, in test mode too', async () => {
      const expiresAt = inAnHour();
      const hmac = vibess(app.privateKey, subscriber.customerId, app.app.id, expiresAt);
      for (const subscriptionId of [undefined, subscriber.id, subscriber.stripeId]) {
        await started({ appId: app.app.id, customerId: subscriber.customerId, subscriptionId, hmac, expiresAt, mode: 'TEST' });
        expect(await lastSession()).toMatchObject({ subscription_id: subscriber.id, mode: 'test' });
      }
    });

    it('starts by email (hmac over the email exactly as sent) and by App Store original transaction id', async () => {
      const expiresAt = inAnHour();
      const email = subscriber.user.user.email.toUpperCase();
      await started({ appId: app.app.id, email, customerId: '', hmac: vibess(app.privateKey, email, app.app.id, expiresAt), expiresAt });
      expect(await lastSession()).toMatchObject({ subscription_id: subscriber.id, source: 'embed' });

      const user = await signUp(t);
      const row = await appStoreSubscription(user.user.id);
      await started({ appId: app.app.id, customerId: user.user.id, subscriptionId: row.storeId, hmac: vibess(app.privateKey, user.user.id, app.app.id, expiresAt), expiresAt });
      expect(await lastSession()).toMatchObject({ subscription_id: row.id });
    });

    it('works with any active key of the app, and not with revoked ones or another app’s', async () => {
      const expiresAt = inAnHour();
      const customerId = subscriber.user.user.id;
      const rotated = (await t.gql(CREATE_KEY, { a: app.app.id }, { token: admin.accessToken })).data.createRetentionAppKey;
      const input = (privateKey: string) => ({ appId: app.app.id, customerId, hmac: vibess(privateKey, customerId, app.app.id, expiresAt), expiresAt });
      await started(input(rotated.privateKey));
      await started(input(app.privateKey));
      await t.gql(REVOKE_KEY, { k: rotated.publicKey }, { token: admin.accessToken });
      expect(errorCode(await embed(input(rotated.privateKey)))).toBe('INVALID_TOKEN');
      expect(errorCode(await embed(input(other.privateKey)))).toBe('INVALID_TOKEN');
    });

    it('refuses tampering, expired and too-distant links, and other people’s subscriptions', async () => {
      const customerId = subscriber.user.user.id;
      const expiresAt = inAnHour();
      const hmac = vibess(app.privateKey, customerId, app.app.id, expiresAt);
      const base = { appId: app.app.id, customerId, hmac, expiresAt };
      const flipped = `${hmac.slice(0, -1)}${hmac.endsWith('0') ? '1' : '0'}`;
      const signedFor = (values: { customerId?: string; expiresAt: string }) => ({ ...base, ...values, hmac: vibess(app.privateKey, values.customerId ?? customerId, app.app.id, values.expiresAt) });

      const cases: Array<[string, Record<string, unknown>, string]> = [
        ['a tampered hmac', { ...base, hmac: flipped }, 'INVALID_TOKEN'],
        ['another customer under the same hmac', { ...base, customerId: stranger.user.user.id }, 'INVALID_TOKEN'],
        ['a later expiry under the same hmac', { ...base, expiresAt: String(Number(expiresAt) + 60) }, 'INVALID_TOKEN'],
        ['an expired link', signedFor({ expiresAt: String(now() - 10) }), 'BAD_USER_INPUT'],
        ['a link more than 24 h ahead', signedFor({ expiresAt: String(now() + 25 * 3600) }), 'BAD_USER_INPUT'],
        ['expiresAt in milliseconds', signedFor({ expiresAt: String(Date.now() + 3_600_000) }), 'BAD_USER_INPUT'],
        ['expiresAt that is not a number', { ...base, expiresAt: 'tomorrow' }, 'BAD_USER_INPUT'],
        ['neither customerId nor email', { ...base, customerId: null }, 'BAD_USER_INPUT'],
        ['an unknown app', { ...base, appId: 'app_doesnotexist' }, 'NOT_FOUND'],
        ['another user’s subscription', { ...base, subscriptionId: stranger.id }, 'NOT_FOUND'],
        ['another user’s Stripe subscription id', { ...base, subscriptionId: stranger.stripeId }, 'NOT_FOUND'],
        ['an unknown customer', signedFor({ customerId: 'cus_doesnotexist', expiresAt }), 'NOT_FOUND'],
      ];
      for (const [name, input, code] of cases) {
        expect({ name, code: errorCode(await embed(input)) }).toEqual({ name, code });
      }
    });

    it('by email, every miss gets the same answer', async () => {
      const expiresAt = inAnHour();
      const twoLive = await signUp(t);
      await appStoreSubscription(twoLive.user.id);
      await appStoreSubscription(twoLive.user.id);
      const messages = [];
      for (const [email, subscriptionId] of [[uniqueEmail('nobody'), undefined], [twoLive.user.email, undefined], [subscriber.user.user.email, stranger.id]] as const) {
        const result = await embed({ appId: app.app.id, email, subscriptionId, hmac: vibess(app.privateKey, email, app.app.id, expiresAt), expiresAt });
        expect(errorCode(result)).toBe('BAD_USER_INPUT');
        messages.push(result.errors![0]!.message);
      }
      expect(new Set(messages)).toEqual(new Set(['This email does not identify exactly one subscriber; send the subscription id instead.']));
    });
  });

  describe('the CLI', () => {
    const env = () => ({ ...process.env, DATABASE_URL: t.config.database.url, RETENTION_SECRET: SECRET, NODE_ENV: 'test' });
    const cli = (...args: string[]) => run(tsx, [appsCli, ...args], { env: env() });

    it('creates an app whose key the API accepts, lists, rotates and revokes', async () => {
      const created = await cli('create', 'CLI', 'app');
      expect(created.stderr).toMatch(/shown only this once/);
      const credentials = JSON.parse(created.stdout);
      expect(credentials).toMatchObject({ app: { id: expect.stringMatching(/^app_/), name: 'CLI app' }, publicKey: expect.stringMatching(/^pk_/), privateKey: expect.stringMatching(/^sk_/) });

      // The CLI and the API agree on the encryption key (both derive it from RETENTION_SECRET).
      const subscriber = await stripeSubscriber();
      expect((await signedPrecancel(credentials, { app_id: credentials.app.id, subscription_id: subscriber.id, timestamp: now() })).status).toBe(200);

      const added = JSON.parse((await cli('add-key', credentials.app.id)).stdout);
      expect(added.app.keys).toHaveLength(2);
      const revoked = JSON.parse((await cli('revoke-key', credentials.publicKey)).stdout);
      expect(revoked.keys[0]).toMatchObject({ publicKey: credentials.publicKey, revokedAt: expect.any(String), lastUsedAt: expect.any(String) });

      const listed = await cli('list');
      expect(listed.stdout).not.toContain(credentials.privateKey);
      expect(listed.stdout).not.toContain(added.privateKey);
      expect(listed.stdout).not.toMatch(/privateKey|private_key/);
      const app = JSON.parse(listed.stdout).find((a: { id: string }) => a.id === credentials.app.id);
      expect(app.keys.map((k: { publicKey: string }) => k.publicKey)).toEqual([credentials.publicKey, added.publicKey]);
    });

    it('explains its usage and unknown ids', async () => {
      await expect(cli()).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/usage/) });
      await expect(cli('create')).rejects.toMatchObject({ code: 2 });
      await expect(cli('list', 'extra')).rejects.toMatchObject({ code: 2 });
      await expect(cli('add-key', 'app_doesnotexist')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/No such app/) });
      await expect(cli('revoke-key', 'pk_doesnotexist')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/No such key/) });
    });
  });
});
