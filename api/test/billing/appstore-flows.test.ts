import { decodeJwt } from 'jose';
import { startAppStoreSandbox, type AppStoreSandbox } from '../../../sandbox/appstore/src';
import { appStoreEnv } from '../support/store-sandboxes';
import { errorCode, signUp, startTestApi, type TestApi } from '../support/test-api';

// App Store purchases end to end with Apple's library on the API side and the local App Store
// sandbox signing with a test chain: verification, ownership, Server Notifications V2,
// reconcile through the Server API, and the exact calls the iOS app makes.

const MONTHLY = 'com.crossbill.pro.monthly';
const YEARLY = 'com.crossbill.pro.yearly';

let store: AppStoreSandbox;
let t: TestApi;

beforeAll(async () => {
  store = await startAppStoreSandbox({ port: 0, notificationRetryBaseMs: 50 });
  t = await startTestApi(appStoreEnv(store));
  store.setNotificationUrl(`${t.url}/webhooks/app-store`);
});
afterAll(async () => {
  await t?.close();
  await store?.close();
});

const SUBS = `{ me { appAccountToken subscriptions { id store status willRenew currentPeriodEnd managementUrl plan { key } } } }`;
const VERIFY = `mutation ($jws: String!) { verifyAppleTransaction(signedTransaction: $jws) { id store status willRenew currentPeriodEnd plan { key } } }`;

type User = Awaited<ReturnType<typeof signUp>>;
async function me(user: User) {
  await store.notificationsIdle();
  const result = await t.gql(SUBS, {}, { token: user.accessToken });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.me as { appAccountToken: string; subscriptions: Array<{ id: string; store: string; status: string; willRenew: boolean; currentPeriodEnd: string; managementUrl: string; plan: { key: string } | null }> };
}
const appStoreSub = async (user: User) => (await me(user)).subscriptions.find((s) => s.store === 'APP_STORE');

/** The iOS app's calls: read the token, buy with it, send the transaction to Crossbill. */
async function buyOnIPhone(user: User, productId = MONTHLY) {
  const { appAccountToken } = await me(user);
  const purchase = await store.purchase({ productId, appAccountToken });
  const verified = await t.gql(VERIFY, { jws: purchase.signedTransaction }, { token: user.accessToken });
  return { purchase, verified };
}

describe('the iOS contract: sign in → appAccountToken → purchase → verifyAppleTransaction → subscriptions', () => {
  it('binds the purchase to the account and shows it as an active App Store subscription', async () => {
    const user = await signUp(t);
    const { appAccountToken } = await me(user);
    expect(appAccountToken).toMatch(/^[0-9a-f-]{36}$/);
    const { purchase, verified } = await buyOnIPhone(user);
    expect(verified.errors).toBeUndefined();
    expect(verified.data.verifyAppleTransaction).toMatchObject({ store: 'APP_STORE', status: 'ACTIVE', willRenew: true, plan: { key: 'pro-monthly' } });
    const sub = await appStoreSub(user);
    expect(sub).toMatchObject({ status: 'ACTIVE', managementUrl: 'https://apps.apple.com/account/subscriptions' });
    expect(Date.parse(sub!.currentPeriodEnd)).toBe((decodeJwt(purchase.signedTransaction) as { expiresDate: number }).expiresDate);
    // Verifying the same transaction again (the app retries) is harmless.
    expect((await t.gql(VERIFY, { jws: purchase.signedTransaction }, { token: user.accessToken })).errors).toBeUndefined();
  });

  it('restores every transaction the device has', async () => {
    const user = await signUp(t);
    const { purchase } = await buyOnIPhone(user);
    const result = await t.gql(`mutation ($all: [String!]!) { restoreApplePurchases(signedTransactions: $all) { store status } }`, { all: [purchase.signedTransaction] }, { token: user.accessToken });
    expect(result.data.restoreApplePurchases).toEqual([{ store: 'APP_STORE', status: 'ACTIVE' }]);
  });

  it('binds a purchase from its notification alone, through the appAccountToken, before the app calls', async () => {
    const user = await signUp(t);
    const { appAccountToken } = await me(user);
    await store.purchase({ productId: MONTHLY, appAccountToken });
    expect((await appStoreSub(user))?.status).toBe('ACTIVE');
  });
});

describe('verification', () => {
  let user: User;
  let originalId: string;
  let payload: Record<string, unknown>;
  beforeAll(async () => {
    user = await signUp(t);
    const { purchase } = await buyOnIPhone(user);
    originalId = purchase.originalTransactionId;
    payload = store.transactionPayload(purchase.transactionId);
  });

  it.each<[string, () => Promise<string>]>([
    ['a chain under a foreign root', () => store.forgeries.foreignRootChain(payload)],
    ['an expired leaf', () => store.forgeries.expiredLeaf(payload)],
    ['a leaf without the Apple OID', () => store.forgeries.leafWithoutAppleOid(payload)],
    ['an intermediate without the Apple OID', () => store.forgeries.intermediateWithoutAppleOid(payload)],
    ['a short x5c', () => store.forgeries.shortChain(payload)],
    ['a tampered payload', () => store.forgeries.badSignature(payload)],
    ['another app’s bundle id', () => store.forgeries.wrongBundleId(originalId)],
    ['an environment not accepted here', () => store.forgeries.wrongEnvironment(originalId, 'Production')],
    ['LocalTesting (unsigned in Apple’s library)', () => store.forgeries.wrongEnvironment(originalId, 'LocalTesting')],
    ['garbage', async () => 'not-a-jws'],
  ])('rejects %s', async (_label, make) => {
    const result = await t.gql(VERIFY, { jws: await make() }, { token: user.accessToken });
    expect(errorCode(result)).toBe('APPLE_VERIFICATION_FAILED');
  });

  it('rejects unverifiable notifications with 400 and stores nothing', async () => {
    for (const signedPayload of [await store.forgeries.wrongBundleIdNotification(), await store.forgeries.foreignRootChain({ notificationType: 'TEST', notificationUUID: 'forged-1', signedDate: Date.now(), data: {} })]) {
      const res = await fetch(`${t.url}/webhooks/app-store`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ signedPayload }) });
      expect(res.status).toBe(400);
    }
    expect(await t.dataSource.query(`SELECT 1 FROM inbox_event WHERE external_id = 'forged-1'`)).toEqual([]);
  });

  it('needs a signed-in caller', async () => {
    const purchase = await store.purchase({ productId: MONTHLY });
    expect(errorCode(await t.gql(VERIFY, { jws: purchase.signedTransaction }))).toBe('UNAUTHENTICATED');
  });
});

describe('ownership', () => {
  it('refuses a purchase made with another account’s token, hinting at that account', async () => {
    const owner = await signUp(t);
    const other = await signUp(t);
    const { purchase } = await buyOnIPhone(owner);
    const result = await t.gql(VERIFY, { jws: purchase.signedTransaction }, { token: other.accessToken });
    expect(errorCode(result)).toBe('APPLE_PURCHASE_OWNED_BY_OTHER_ACCOUNT');
    expect(result.errors![0]!.extensions!.ownerHint).toBe(`${owner.user.email[0]}***@example.com`);
    expect((await appStoreSub(other))).toBeUndefined();
  });

  it('gives a purchase without a token to the first caller only', async () => {
    const first = await signUp(t);
    const second = await signUp(t);
    const purchase = await store.purchase({ productId: MONTHLY });
    expect((await t.gql(VERIFY, { jws: purchase.signedTransaction }, { token: first.accessToken })).errors).toBeUndefined();
    expect(errorCode(await t.gql(VERIFY, { jws: purchase.signedTransaction }, { token: second.accessToken }))).toBe('APPLE_PURCHASE_OWNED_BY_OTHER_ACCOUNT');
  });
});

it('under the transfer policy, moves a purchase to the account that verifies it', async () => {
  const transferring = await startTestApi(appStoreEnv(store, { APPSTORE_OWNERSHIP_POLICY: 'transfer' }));
  try {
    const first = await signUp(transferring);
    const second = await signUp(transferring);
    const purchase = await store.purchase({ productId: MONTHLY });
    const verify = (token: string) => transferring.gql(VERIFY, { jws: purchase.signedTransaction }, { token });
    expect((await verify(first.accessToken)).errors).toBeUndefined();
    expect((await verify(second.accessToken)).data.verifyAppleTransaction.status).toBe('ACTIVE');
    const owners = await transferring.dataSource.query(`SELECT user_id FROM store_subscription WHERE store_id = $1`, [purchase.originalTransactionId]);
    expect(owners).toEqual([{ user_id: second.user.id }]);
  } finally {
    await transferring.close();
  }
});

describe('lifecycle through notifications', () => {
  it('renews, fails into a grace period, recovers, stops renewing and expires', async () => {
    const user = await signUp(t);
    const { purchase } = await buyOnIPhone(user);
    const id = purchase.originalTransactionId;
    const firstEnd = Date.parse((await appStoreSub(user))!.currentPeriodEnd);

    await store.renew(id);
    const renewed = await appStoreSub(user);
    expect(renewed!.status).toBe('ACTIVE');
    expect(Date.parse(renewed!.currentPeriodEnd)).toBeGreaterThan(firstEnd);

    await store.failRenewal(id, { grace: true });
    expect((await appStoreSub(user))!.status).toBe('IN_GRACE_PERIOD');
    await store.recover(id);
    expect((await appStoreSub(user))!.status).toBe('ACTIVE');

    await store.failRenewal(id);
    expect((await appStoreSub(user))!.status).toBe('IN_BILLING_RETRY');
    await store.recover(id);

    await store.cancelRenewal(id);
    expect(await appStoreSub(user)).toMatchObject({ status: 'ACTIVE', willRenew: false });
    await store.resumeRenewal(id);
    expect((await appStoreSub(user))!.willRenew).toBe(true);
    await store.cancelRenewal(id);
    await store.expire(id);
    expect(await appStoreSub(user)).toMatchObject({ status: 'EXPIRED', willRenew: false });
  });

  it('upgrades to the yearly plan, and a refund revokes', async () => {
    const user = await signUp(t);
    const { purchase } = await buyOnIPhone(user);
    await store.upgrade(purchase.originalTransactionId, { productId: YEARLY });
    expect((await appStoreSub(user))!.plan!.key).toBe('pro-yearly');
    await store.refund(purchase.originalTransactionId);
    expect(await appStoreSub(user)).toMatchObject({ status: 'REVOKED', willRenew: false });
  });

  it('a family-sharing revoke takes access away', async () => {
    const user = await signUp(t);
    const { purchase } = await buyOnIPhone(user);
    await store.revoke(purchase.originalTransactionId);
    expect(await appStoreSub(user)).toMatchObject({ status: 'REVOKED', willRenew: false });
  });

  it('ignores duplicate and out-of-order notifications', async () => {
    const user = await signUp(t);
    const { purchase } = await buyOnIPhone(user);
    const id = purchase.originalTransactionId;
    const renewal = await store.renew(id);
    await store.cancelRenewal(id);
    const expired = await store.expire(id);
    expect((await appStoreSub(user))!.status).toBe('EXPIRED');

    // The same EXPIRED again, and the older DID_RENEW arriving late: nothing moves.
    await store.sendSignedPayload(expired.signedPayload);
    await store.sendSignedPayload(renewal.signedPayload);
    expect((await appStoreSub(user))!.status).toBe('EXPIRED');
    const rows = await t.dataSource.query(`SELECT count(*)::int AS n FROM inbox_event WHERE source = 'app_store' AND external_id = $1`, [expired.notificationUUID]);
    expect(rows[0].n).toBe(1);
  });

  it('acknowledges TEST notifications', async () => {
    const outcome = await store.sendTestNotification();
    await store.notificationsIdle();
    const [row] = await t.dataSource.query(`SELECT processed_at FROM inbox_event WHERE external_id = $1`, [outcome.notificationUUID]);
    expect(row.processed_at).not.toBeNull();
  });
});

describe('reconcile through the App Store Server API', () => {
  it('heals a missed DID_RENEW and a missed EXPIRED', async () => {
    const user = await signUp(t);
    const { purchase } = await buyOnIPhone(user);
    const id = purchase.originalTransactionId;
    const before = Date.parse((await appStoreSub(user))!.currentPeriodEnd);

    store.setNotificationUrl(undefined); // notifications get lost
    try {
      await store.renew(id);
      expect(Date.parse((await appStoreSub(user))!.currentPeriodEnd)).toBe(before);
      expect(await t.api.services.appStore!.reconcile()).toBeGreaterThan(0);
      expect(Date.parse((await appStoreSub(user))!.currentPeriodEnd)).toBeGreaterThan(before);

      await store.cancelRenewal(id);
      await store.expire(id);
      expect((await appStoreSub(user))!.status).toBe('ACTIVE');
      await t.api.services.appStore!.reconcile([id]);
      expect((await appStoreSub(user))!.status).toBe('EXPIRED');
    } finally {
      store.setNotificationUrl(`${t.url}/webhooks/app-store`);
    }
  });
});

it('refuses a sandbox root in production configuration', async () => {
  await expect(startTestApi({ ...appStoreEnv(store), NODE_ENV: 'production', JWT_SIGNING_KEYS: '[]', PUBLIC_API_URL: 'https://api.example.com', RETENTION_SECRET: 'r'.repeat(40) })).rejects.toThrow(/APPSTORE_ROOT_CERTIFICATE/);
});
