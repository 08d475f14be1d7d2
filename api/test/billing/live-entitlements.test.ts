import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startAppStoreSandbox, type AppStoreSandbox } from '../../../sandbox/appstore/src';
import { StoreSubscriptionEntity } from '../../src/billing/store-subscription.entity';
import { freePort } from '../../src/platform/db/embedded-postgres';
import { signUp, startTestApi, type TestApi } from '../support/test-api';

// One entitlement from either store, live: an App Store notification received by API process A
// reaches a WebSocket subscriber on API process B (a separate `node` process on the same
// database) through PostgreSQL LISTEN/NOTIFY; an expiry reaches it with no event at all.

let store: AppStoreSandbox;
let a: TestApi;
let b: ChildProcess;
let bUrl: string;

const appStoreEnv = (s: AppStoreSandbox) => ({
  APPSTORE_BUNDLE_ID: s.bundleId,
  APPSTORE_APP_APPLE_ID: String(s.appAppleId),
  APPSTORE_ENVIRONMENTS: 'Sandbox',
  APPSTORE_ROOT_CERTIFICATE: s.rootCertificateBase64,
  APPSTORE_RECONCILE_MINUTES: '0',
  ENTITLEMENT_EXPIRY_CHECK_SECONDS: '1',
});

beforeAll(async () => {
  store = await startAppStoreSandbox({ port: 0, notificationRetryBaseMs: 50 });
  a = await startTestApi(appStoreEnv(store));
  store.setNotificationUrl(`${a.url}/webhooks/app-store`);
  // Process B: the same code, database and signing keys, started as its own process.
  const port = await freePort();
  bUrl = `http://127.0.0.1:${port}`;
  b = spawn(process.execPath, [require.resolve('tsx/cli'), path.resolve(__dirname, '../../src/main.ts')], {
    env: { ...process.env, ...appStoreEnv(store), NODE_ENV: 'test', DATABASE_URL: a.config.database.url, DATA_DIR: a.config.dataDir, API_HOST: '127.0.0.1', API_PORT: String(port), LOG_LEVEL: 'warn', PUBLIC_API_URL: a.config.publicApiUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${bUrl}/healthz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('API process B did not start');
}, 60_000);

afterAll(async () => {
  if (b && b.exitCode === null) {
    const exited = new Promise((resolve) => b.once('exit', resolve));
    b.kill('SIGTERM');
    await exited;
  }
  await a?.close();
  await store?.close();
});

type Entitlement = { key: string; active: boolean; store: string | null; expiresAt: string | null };

/** Subscribes on process B and collects every entitlementsChanged value. */
function watch(accessToken: string): { client: Client; values: Entitlement[][]; next(predicate: (e: Entitlement) => boolean): Promise<Entitlement> } {
  const values: Entitlement[][] = [];
  const waiters: Array<{ predicate: (e: Entitlement) => boolean; resolve: (e: Entitlement) => void }> = [];
  const client = createClient({ url: `${bUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authToken: accessToken }, retryAttempts: 0 });
  client.subscribe<{ entitlementsChanged: Entitlement[] }>(
    { query: `subscription { entitlementsChanged { key active store expiresAt } }` },
    {
      next: (result) => {
        const list = result.data!.entitlementsChanged;
        values.push(list);
        const pro = list.find((e) => e.key === 'pro')!;
        for (const w of waiters.splice(0)) (w.predicate(pro) ? w.resolve(pro) : waiters.push(w));
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return {
    client,
    values,
    next: (predicate) =>
      new Promise((resolve) => {
        const current = values.at(-1)?.find((e) => e.key === 'pro');
        if (current && predicate(current)) resolve(current);
        else waiters.push({ predicate, resolve });
      }),
  };
}

it('an App Store purchase received by process A flips the entitlement on process B, live', async () => {
  const user = await signUp(a);
  const me = await a.gql(`{ me { appAccountToken } }`, {}, { token: user.accessToken });
  const live = watch(user.accessToken);
  try {
    const initial = await live.next(() => true);
    expect(initial).toMatchObject({ key: 'pro', active: false });
    await store.purchase({ productId: 'com.crossbill.pro.monthly', appAccountToken: me.data.me.appAccountToken });
    const on = await live.next((e) => e.active);
    expect(on).toMatchObject({ active: true, store: 'APP_STORE' });
    const http = await a.gql(`{ me { entitlement(key: "pro") { active store } entitlements { key } duplicateSubscriptions } }`, {}, { token: user.accessToken });
    expect(http.data.me).toEqual({ entitlement: { active: true, store: 'APP_STORE' }, entitlements: [{ key: 'pro' }], duplicateSubscriptions: false });
  } finally {
    await live.client.dispose();
  }
});

it('an expiry takes effect on time and reaches live clients with no event at all', async () => {
  const user = await signUp(a);
  // A subscription whose paid period ends two seconds from now; no store will say anything.
  await a.dataSource.getRepository(StoreSubscriptionEntity).insert({
    store: 'app_store', storeId: `exp-${Date.now()}`, userId: user.user.id, planKey: 'pro-monthly', productId: 'com.crossbill.pro.monthly',
    status: 'active', storeStatus: 'ACTIVE', currentPeriodEnd: new Date(Date.now() + 2000), willRenew: false, gracePeriodEnd: null,
    canceledAt: null, environment: 'sandbox', lastEventAt: new Date(), raw: {},
  });
  const live = watch(user.accessToken);
  try {
    expect(await live.next(() => true)).toMatchObject({ active: true });
    expect(await live.next((e) => !e.active)).toMatchObject({ active: false, store: 'APP_STORE' });
    const http = await a.gql(`{ me { entitlement(key: "pro") { active } } }`, {}, { token: user.accessToken });
    expect(http.data.me.entitlement.active).toBe(false);
  } finally {
    await live.client.dispose();
  }
});

it('flags a user billed by two stores for the same entitlement', async () => {
  const user = await signUp(a);
  const me = await a.gql(`{ me { appAccountToken } }`, {}, { token: user.accessToken });
  await a.dataSource.getRepository(StoreSubscriptionEntity).insert({
    store: 'stripe', storeId: `sub_dup_${Date.now()}`, userId: user.user.id, planKey: 'pro-monthly', productId: 'price_x',
    status: 'active', storeStatus: 'active', currentPeriodEnd: new Date(Date.now() + 10 * 86_400_000), willRenew: true, gracePeriodEnd: null,
    canceledAt: null, environment: 'test', lastEventAt: new Date(), raw: {},
  });
  const flags: boolean[] = [];
  let sawTrue!: () => void;
  let sawFirst!: () => void;
  const flagged = new Promise<void>((resolve) => (sawTrue = resolve));
  const first = new Promise<void>((resolve) => (sawFirst = resolve));
  const client = createClient({ url: `${bUrl.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authToken: user.accessToken }, retryAttempts: 0 });
  client.subscribe<{ duplicateSubscriptionsChanged: boolean }>(
    { query: `subscription { duplicateSubscriptionsChanged }` },
    {
      next: (r) => {
        flags.push(r.data!.duplicateSubscriptionsChanged);
        sawFirst();
        if (r.data!.duplicateSubscriptionsChanged) sawTrue();
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  try {
    await first;
    await store.purchase({ productId: 'com.crossbill.pro.monthly', appAccountToken: me.data.me.appAccountToken });
    await store.notificationsIdle();
    const result = await a.gql(`{ me { duplicateSubscriptions entitlement(key: "pro") { active } } }`, {}, { token: user.accessToken });
    expect(result.data.me).toEqual({ duplicateSubscriptions: true, entitlement: { active: true } });
    await flagged; // pushed live to the other process's subscriber
    expect(flags[0]).toBe(false);
  } finally {
    await client.dispose();
  }
});

it('keeps each user to their own stream', async () => {
  const alice = await signUp(a);
  const bob = await signUp(a);
  const bobMe = await a.gql(`{ me { appAccountToken } }`, {}, { token: bob.accessToken });
  const live = watch(alice.accessToken);
  try {
    await live.next(() => true);
    await store.purchase({ productId: 'com.crossbill.pro.monthly', appAccountToken: bobMe.data.me.appAccountToken });
    await store.notificationsIdle();
    await new Promise((r) => setTimeout(r, 500));
    expect(live.values.every((list) => list.every((e) => !e.active))).toBe(true);
  } finally {
    await live.client.dispose();
  }
});
