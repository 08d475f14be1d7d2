import { createHmac, createPublicKey, createVerify } from 'node:crypto';
import type Stripe from 'stripe';
import type { AppStoreSandbox } from '../../../sandbox/appstore/src';
import { mintCancelSession, verifyCancelSession, type CancelSessionPayload } from '../../src/retention/session-token';
import { startApiWithStores, stripeSubscriber as stripeSubscriberOf, type StoresAndApi, type TestUser } from '../support/store-sandboxes';
import { errorCode, signUp, type TestApi } from '../support/test-api';

// The retention flow against the Stripe and App Store sandboxes: reason → offer → outcome,
// executed in the store (or not, for opt-out and test mode), and the session tokens' integrity.

const SECRET = 'retention-test-secret-0123456789abcdef';

describe('session tokens', () => {
  const now = Math.floor(Date.now() / 1000);
  const payload: CancelSessionPayload = { v: 1, sid: 's1', uid: 'u1', sub: 'sub1', store: 'stripe', mode: 'live', iat: now, exp: now + 1800 };

  it('is base64url(JSON) + "." + base64url(HMAC-SHA256) — computed independently here', () => {
    const token = mintCancelSession(payload, SECRET);
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    expect(token).toBe(`${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`);
    expect(verifyCancelSession(token, SECRET)).toEqual(payload);
  });

  it.each(Object.keys(payload).filter((k) => k !== 'v') as Array<keyof CancelSessionPayload>)('rejects a token whose %s was changed', (field) => {
    const token = mintCancelSession(payload, SECRET);
    const [body, mac] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    claims[field] = typeof claims[field] === 'number' ? claims[field] + 3600 : field === 'mode' ? 'test' : field === 'store' ? 'app_store' : 'other';
    const forged = `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mac}`;
    expect(() => verifyCancelSession(forged, SECRET)).toThrow(/bad_signature/);
  });

  it('rejects other secrets, expiry, and garbage', () => {
    expect(() => verifyCancelSession(mintCancelSession(payload, SECRET), 'another-secret-0123456789abcdef0123')).toThrow(/bad_signature/);
    expect(() => verifyCancelSession(mintCancelSession({ ...payload, exp: now - 1 }, SECRET), SECRET)).toThrow(/expired/);
    expect(() => verifyCancelSession('abc', SECRET)).toThrow(/malformed/);
    expect(() => verifyCancelSession('a.b.c', SECRET)).toThrow(/malformed/);
  });
});

describe('the flow', () => {
  let s: StoresAndApi;
  let store: AppStoreSandbox;
  let t: TestApi;
  let stripe: Stripe;

  beforeAll(async () => {
    s = await startApiWithStores({ appStore: true, env: { RETENTION_SECRET: SECRET } });
    ({ t, stripe } = s);
    store = s.appStore!;
  });
  afterAll(() => s?.close());

  type User = TestUser;
  const START = `mutation ($id: ID!, $mode: CancelFlowMode) { startCancelFlow(subscriptionId: $id, mode: $mode) { token url expiresAt } }`;
  const REASON = `mutation ($t: String!, $r: CancelReason!, $c: String) { submitCancelReason(token: $t, reason: $r, comment: $c) { step reason offer { kind percentOff durationMonths pauseMonths } } }`;
  const ACCEPT = `mutation ($t: String!) { acceptCancelOffer(token: $t) { outcome message appStoreOffer manageUrl subscription { status willRenew } } }`;
  const DECLINE = `mutation ($t: String!, $o: Boolean) { declineCancelOffer(token: $t, cancelOptOut: $o) { outcome message manageUrl subscription { status willRenew } } }`;

  const stripeSubscriber = () => stripeSubscriberOf(s);

  async function startFlow(user: User, id: string, mode = 'LIVE') {
    const result = await t.gql(START, { id, mode }, { token: user.accessToken });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data.startCancelFlow as { token: string; url: string };
  }

  it('too expensive → a discount, applied to the Stripe subscription at once', async () => {
    const { user, id, stripeId } = await stripeSubscriber();
    const { token, url } = await startFlow(user, id);
    expect(url).toBe(`${t.config.publicWebUrl}/cancel/${token}`);
    expect((await t.gql(`query ($t: String!) { cancelFlow(token: $t) { step store mode reasons { reason } } }`, { t: token })).data.cancelFlow).toMatchObject({ step: 'reason', store: 'STRIPE', mode: 'LIVE' });
    const offered = await t.gql(REASON, { t: token, r: 'TOO_EXPENSIVE' });
    expect(offered.data.submitCancelReason).toMatchObject({ step: 'offer', reason: 'TOO_EXPENSIVE', offer: { kind: 'DISCOUNT', percentOff: 30, durationMonths: 3 } });
    const outcome = await t.gql(ACCEPT, { t: token });
    expect(outcome.data.acceptCancelOffer).toMatchObject({ outcome: 'saved_discount', subscription: { status: 'ACTIVE', willRenew: true } });
    const subscription = await stripe.subscriptions.retrieve(stripeId);
    expect(subscription.discounts).toHaveLength(1);
    expect(subscription.cancel_at_period_end).toBe(false);
    // The session is done: a second answer is refused.
    expect(errorCode(await t.gql(ACCEPT, { t: token }))).toBe('CANCEL_SESSION_COMPLETED');
    expect(errorCode(await t.gql(DECLINE, { t: token }))).toBe('CANCEL_SESSION_COMPLETED');
  });

  it('not used → a pause: collection paused in Stripe, PAUSED here', async () => {
    const { user, id, stripeId } = await stripeSubscriber();
    const { token } = await startFlow(user, id);
    await t.gql(REASON, { t: token, r: 'UNUSED' });
    expect((await t.gql(ACCEPT, { t: token })).data.acceptCancelOffer).toMatchObject({ outcome: 'saved_pause', subscription: { status: 'PAUSED' } });
    expect((await stripe.subscriptions.retrieve(stripeId)).pause_collection).toMatchObject({ behavior: 'void' });
  });

  it('declining cancels at period end with the feedback and comment', async () => {
    const { user, id, stripeId } = await stripeSubscriber();
    const { token } = await startFlow(user, id);
    await t.gql(REASON, { t: token, r: 'SWITCHED_SERVICE', c: 'Found something cheaper' });
    const outcome = await t.gql(DECLINE, { t: token });
    expect(outcome.data.declineCancelOffer).toMatchObject({ outcome: 'canceled', subscription: { status: 'ACTIVE', willRenew: false } });
    const subscription = await stripe.subscriptions.retrieve(stripeId);
    expect(subscription.cancel_at_period_end).toBe(true);
    expect(subscription.cancellation_details).toMatchObject({ feedback: 'switched_service', comment: 'Found something cheaper' });
  });

  it('with cancelOptOut, records the outcome and leaves the subscription alone', async () => {
    const { user, id, stripeId } = await stripeSubscriber();
    const { token } = await startFlow(user, id);
    await t.gql(REASON, { t: token, r: 'LOW_QUALITY' });
    expect((await t.gql(DECLINE, { t: token, o: true })).data.declineCancelOffer.outcome).toBe('cancel_opted_out');
    expect((await stripe.subscriptions.retrieve(stripeId)).cancel_at_period_end).toBe(false);
    const [row] = await t.dataSource.query(`SELECT reason, outcome FROM cancel_session WHERE subscription_id = $1`, [id]);
    expect(row).toEqual({ reason: 'low_quality', outcome: 'cancel_opted_out' });
  });

  it('in test mode, runs and records the flow but changes nothing in Stripe', async () => {
    const { user, id, stripeId } = await stripeSubscriber();
    const { token } = await startFlow(user, id, 'TEST');
    await t.gql(REASON, { t: token, r: 'TOO_EXPENSIVE' });
    expect((await t.gql(ACCEPT, { t: token })).data.acceptCancelOffer.outcome).toBe('saved_discount');
    expect((await stripe.subscriptions.retrieve(stripeId)).discounts).toHaveLength(0);
  });

  it('accepts a session the app’s backend minted itself with the shared secret', async () => {
    const { user, id } = await stripeSubscriber();
    const now = Math.floor(Date.now() / 1000);
    const sid = '7d0f3c1e-58a4-4c3e-9b5e-2a7d9f1c0b11';
    const token = mintCancelSession({ v: 1, sid, uid: user.user.id, sub: id, store: 'stripe', mode: 'test', iat: now, exp: now + 600 }, SECRET);
    expect((await t.gql(`query ($t: String!) { cancelFlow(token: $t) { step mode } }`, { t: token })).data.cancelFlow).toEqual({ step: 'reason', mode: 'TEST' });
    // …but not for a subscription the named user does not own.
    const other = await signUp(t);
    const stolen = mintCancelSession({ v: 1, sid: '8d0f3c1e-58a4-4c3e-9b5e-2a7d9f1c0b12', uid: other.user.id, sub: id, store: 'stripe', mode: 'live', iat: now, exp: now + 600 }, SECRET);
    expect(errorCode(await t.gql(`query ($t: String!) { cancelFlow(token: $t) { step } }`, { t: stolen }))).toBe('CANCEL_SESSION_INVALID');
  });

  it('refuses tampered tokens and other people’s subscriptions', async () => {
    const { user, id } = await stripeSubscriber();
    const { token } = await startFlow(user, id);
    const [body, mac] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...claims, mode: 'test' })).toString('base64url')}.${mac}`;
    expect(errorCode(await t.gql(REASON, { t: forged, r: 'OTHER' }))).toBe('CANCEL_SESSION_INVALID');
    const other = await signUp(t);
    expect(errorCode(await t.gql(START, { id }, { token: other.accessToken }))).toBe('NOT_FOUND');
    expect(errorCode(await t.gql(START, { id }))).toBe('UNAUTHENTICATED');
  });

  it('App Store: declining points to Apple’s page; a discount becomes a signed promotional offer', async () => {
    const user = await signUp(t);
    const { appAccountToken } = (await t.gql(`{ me { appAccountToken } }`, {}, { token: user.accessToken })).data.me;
    const purchase = await store.purchase({ productId: 'com.crossbill.pro.monthly', appAccountToken });
    const id = (await t.gql(`mutation ($j: String!) { verifyAppleTransaction(signedTransaction: $j) { id } }`, { j: purchase.signedTransaction }, { token: user.accessToken })).data.verifyAppleTransaction.id;

    const first = await startFlow(user, id);
    expect((await t.gql(REASON, { t: first.token, r: 'UNUSED' })).data.submitCancelReason.offer.kind).toBe('NONE'); // no pauses on the App Store
    expect((await t.gql(DECLINE, { t: first.token })).data.declineCancelOffer).toMatchObject({ outcome: 'manage_in_app_store', manageUrl: 'https://apps.apple.com/account/subscriptions' });

    const second = await startFlow(user, id);
    await t.gql(REASON, { t: second.token, r: 'TOO_EXPENSIVE' });
    const accepted = (await t.gql(ACCEPT, { t: second.token })).data.acceptCancelOffer;
    expect(accepted.outcome).toBe('app_store_offer');
    const offer = JSON.parse(accepted.appStoreOffer);
    // Apple's scheme, checked independently: ECDSA-SHA256 over the fields joined by U+2063.
    const message = [store.bundleId, offer.keyId, offer.productId, offer.offerId, offer.appAccountToken.toLowerCase(), offer.nonce.toLowerCase(), offer.timestamp].join('\u2063');
    const publicKey = createPublicKey(store.serverApi.privateKeyPem);
    expect(createVerify('sha256').update(message).verify(publicKey, Buffer.from(offer.signature, 'base64'))).toBe(true);
  });
});
