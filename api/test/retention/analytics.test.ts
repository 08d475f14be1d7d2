import type Stripe from 'stripe';
import type { AppStoreSandbox } from '../../../sandbox/appstore/src';
import type { StripeSandbox } from '../../../sandbox/stripe/src';
import { buildReport, periodStartOf, type SessionGroup } from '../../src/retention/analytics';
import {
  appStoreSubscriber as appStoreSubscriberOf,
  signUpAdmin,
  startApiWithStores,
  stripeSubscriber as stripeSubscriberOf,
  type StoresAndApi,
  type TestUser,
} from '../support/store-sandboxes';
import { errorCode, type TestApi } from '../support/test-api';

// Issue 7's bookkeeping: analytics from recorded sessions, the outcomes clock (abandoned after
// 24 h, 30-day verdict checked against the store), cancellations the stores report attributed to
// the session, the admin-edited flow configuration, and the discount shown on the subscription.

const DAY = 86_400_000;

describe('report arithmetic (pure)', () => {
  const g = (over: Partial<SessionGroup>): SessionGroup => ({
    periodStart: new Date('2026-11-16T00:00:00Z'),
    store: 'stripe',
    reason: 'too_expensive',
    offerKind: 'discount',
    percentOff: 30,
    outcome: 'saved_discount',
    verdict: 'saved',
    count: 1,
    amountAtStake: 900,
    currency: 'usd',
    ...over,
  });

  it('counts saves only once decided, nets discounts out of revenue kept, and fills empty periods', () => {
    const report = buildReport(
      [
        g({ count: 2, amountAtStake: 1800 }), // two saved at 30% off: 2 × 900 × 0.7
        g({ outcome: 'canceled', verdict: 'lost' }),
        g({ reason: 'unused', offerKind: 'pause', percentOff: null, outcome: 'saved_pause', verdict: 'saved', amountAtStake: 1500 }),
        g({ reason: 'other', offerKind: 'none', percentOff: null, outcome: null, verdict: null }), // still pending
        g({ store: 'app_store', reason: 'too_expensive', outcome: 'abandoned', verdict: 'lost', periodStart: new Date('2026-11-02T00:00:00Z') }),
      ],
      { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z'), period: 'week' },
      'usd',
    );
    expect(report.totals).toEqual({
      sessions: 6,
      completed: 4,
      abandoned: 1,
      offersShown: 5,
      offersAccepted: 3,
      canceled: 2,
      saved: 3,
      pending: 1,
      saveRate: 3 / 5,
      monthlyRevenueSaved: 1260 + 1500,
      currency: 'usd',
    });
    expect(report.byPeriod.map((p) => [p.periodStart.toISOString().slice(0, 10), p.totals.sessions])).toEqual([
      ['2026-10-26', 0],
      ['2026-11-02', 1],
      ['2026-11-09', 0],
      ['2026-11-16', 5],
    ]);
    expect(report.byStore.map((s) => [s.store, s.totals.sessions, s.totals.saveRate])).toEqual([
      ['stripe', 5, 3 / 4],
      ['app_store', 1, 0],
    ]);
    expect(report.reasons[0]).toEqual({ reason: 'too_expensive', sessions: 4, saved: 2, canceled: 2 });
    expect(report.offers).toEqual([
      { kind: 'discount', shown: 4, accepted: 2 },
      { kind: 'pause', shown: 1, accepted: 1 },
    ]);
  });

  it('starts weeks on Monday and months on the 1st, in UTC', () => {
    expect(periodStartOf(new Date('2026-11-22T23:30:00Z'), 'week').toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(periodStartOf(new Date('2026-11-16T00:00:00Z'), 'week').toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(periodStartOf(new Date('2026-11-21T12:00:00Z'), 'month').toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(periodStartOf(new Date('2026-11-21T12:00:00Z'), 'day').toISOString()).toBe('2026-11-21T00:00:00.000Z');
  });
});

describe('against the sandboxes', () => {
  let s: StoresAndApi;
  let t: TestApi;
  let stripe: Stripe;
  let stripeSandbox: StripeSandbox;
  let store: AppStoreSandbox;
  type User = TestUser;
  let admin: User;

  beforeAll(async () => {
    s = await startApiWithStores({ appStore: true, env: { RETENTION_OUTCOMES_CHECK_SECONDS: '0' } }); // the tests run the clock themselves
    ({ t, stripe, stripeSandbox } = s);
    store = s.appStore!;
    admin = await signUpAdmin(t);
  });
  afterAll(() => s?.close());

  const START = `mutation ($id: ID!, $mode: CancelFlowMode) { startCancelFlow(subscriptionId: $id, mode: $mode) { token } }`;
  const REASON = `mutation ($t: String!, $r: CancelReason!) { submitCancelReason(token: $t, reason: $r) { offer { kind percentOff } } }`;
  const ACCEPT = `mutation ($t: String!) { acceptCancelOffer(token: $t) { outcome subscription { discount { percentOff endsAt name } } } }`;
  const DECLINE = `mutation ($t: String!) { declineCancelOffer(token: $t) { outcome } }`;
  const ANALYTICS = `query ($from: DateTime!, $to: DateTime!, $period: AnalyticsPeriod, $store: Store, $test: Boolean) {
    retentionAnalytics(from: $from, to: $to, period: $period, store: $store, includeTest: $test) {
      period
      totals { sessions completed abandoned offersShown offersAccepted canceled saved pending saveRate monthlyRevenueSaved currency }
      byStore { store totals { sessions } }
      byPeriod { periodStart totals { sessions saved } }
      reasons { reason sessions saved canceled }
      offers { kind shown accepted }
    }
  }`;

  const stripeSubscriber = (planKey?: string) => stripeSubscriberOf(s, planKey);
  const appStoreSubscriber = () => appStoreSubscriberOf(s);

  async function startFlow(user: User, id: string, mode = 'LIVE'): Promise<string> {
    const result = await t.gql(START, { id, mode }, { token: user.accessToken });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data.startCancelFlow.token;
  }

  const sessionsOf = (subscriptionId: string) =>
    t.dataSource.query(`SELECT outcome, canceled_in_store_at, verdict, source FROM cancel_session WHERE subscription_id = $1 ORDER BY created_at`, [subscriptionId]);

  it('shows an accepted discount on the subscription, with its end', async () => {
    const { user, id } = await stripeSubscriber();
    const token = await startFlow(user, id);
    await t.gql(REASON, { t: token, r: 'TOO_EXPENSIVE' });
    const accepted = (await t.gql(ACCEPT, { t: token })).data.acceptCancelOffer;
    expect(accepted.outcome).toBe('saved_discount');
    expect(accepted.subscription.discount).toMatchObject({ percentOff: 30, name: '30% off for 3 months' });
    const endsAt = Date.parse(accepted.subscription.discount.endsAt);
    expect(endsAt).toBeGreaterThan(Date.now() + 85 * DAY);
    expect(endsAt).toBeLessThan(Date.now() + 95 * DAY);
    // And on a plain read, after the webhook stored Stripe's version.
    await stripeSandbox.webhooksIdle();
    const read = (await t.gql(`{ me { subscriptions { id discount { percentOff } } } }`, {}, { token: user.accessToken })).data.me.subscriptions;
    expect(read.find((s: { id: string }) => s.id === id).discount).toEqual({ percentOff: 30 });
    expect((await sessionsOf(id))[0]).toMatchObject({ outcome: 'saved_discount', verdict: null, source: 'account' });
  });

  it('attributes a Stripe cancellation to the session that preceded it, and takes it back on resume', async () => {
    const { user, id, stripeId } = await stripeSubscriber();
    const token = await startFlow(user, id);
    await t.gql(REASON, { t: token, r: 'SWITCHED_SERVICE' });
    expect((await t.gql(DECLINE, { t: token })).data.declineCancelOffer.outcome).toBe('canceled');
    await stripeSandbox.webhooksIdle();
    const [declined] = await sessionsOf(id);
    expect(declined).toMatchObject({ outcome: 'canceled', verdict: 'lost' });
    expect(declined.canceled_in_store_at).not.toBeNull();

    await stripe.subscriptions.update(stripeId, { cancel_at_period_end: false });
    await stripeSandbox.webhooksIdle();
    expect((await sessionsOf(id))[0]).toMatchObject({ canceled_in_store_at: null, verdict: null });
  });

  it('attributes an App Store cancellation (DID_CHANGE_RENEWAL_STATUS) to the session', async () => {
    const { user, id, originalTransactionId } = await appStoreSubscriber();
    const token = await startFlow(user, id);
    await t.gql(REASON, { t: token, r: 'UNUSED' });
    expect((await t.gql(DECLINE, { t: token })).data.declineCancelOffer.outcome).toBe('manage_in_app_store');
    expect((await sessionsOf(id))[0]).toMatchObject({ canceled_in_store_at: null, verdict: null });

    // The subscriber then turns off renewal in the App Store; Apple tells us.
    await store.cancelRenewal(originalTransactionId);
    await store.notificationsIdle();
    const [session] = await sessionsOf(id);
    expect(session.verdict).toBe('lost');
    expect(session.canceled_in_store_at).not.toBeNull();
  });

  it('marks sessions abandoned after 24 h, and decides saves after 30 days against the store', async () => {
    const quiet = await stripeSubscriber();
    const quietToken = await startFlow(quiet.user, quiet.id);
    void quietToken; // opened and left: no reason, no outcome

    const leaver = await stripeSubscriber();
    await startFlow(leaver.user, leaver.id);

    // Both sessions were opened 29 days ago (as far as the clock is concerned).
    await t.dataSource.query(`UPDATE cancel_session SET created_at = now() - interval '29 days' WHERE subscription_id = ANY($1)`, [[quiet.id, leaver.id]]);
    // The leaver cancels in Stripe, but (as if the webhook were lost) Crossbill still thinks it renews.
    await stripe.subscriptions.update(leaver.stripeId, { cancel_at_period_end: true });
    await stripeSandbox.webhooksIdle();
    await t.dataSource.query(`UPDATE store_subscription SET will_renew = true, canceled_at = NULL WHERE id = $1`, [leaver.id]);
    await t.dataSource.query(`UPDATE cancel_session SET canceled_in_store_at = NULL, verdict = NULL WHERE subscription_id = $1`, [leaver.id]);

    const outcomes = t.api.retentionOutcomes;
    const first = await outcomes.run(new Date());
    expect(first.abandoned).toBeGreaterThanOrEqual(2);
    expect((await sessionsOf(quiet.id))[0]).toMatchObject({ outcome: 'abandoned', verdict: null });
    expect((await sessionsOf(leaver.id))[0]).toMatchObject({ outcome: 'abandoned', verdict: null });

    // Two days later the 30 days are over: each subscription is fetched from Stripe first.
    await outcomes.run(new Date(Date.now() + 2 * DAY));
    expect((await sessionsOf(quiet.id))[0]).toMatchObject({ verdict: 'saved' });
    const [lost] = await sessionsOf(leaver.id);
    expect(lost.verdict).toBe('lost');
    expect(lost.canceled_in_store_at).not.toBeNull();
  });

  it('reports seeded sessions by store, period, reason and offer; admin only', async () => {
    const { user, id } = await stripeSubscriber('pro-yearly');
    const app = await appStoreSubscriber();
    // A clean slate of known sessions in a window no other test writes to (two years back).
    const base = new Date('2024-03-04T10:00:00Z'); // a Monday
    const seed = (o: { at: Date; store?: string; sub?: string; uid?: string; reason?: string | null; offer?: object | null; outcome?: string | null; verdict?: string | null; amount?: number; mode?: string }) =>
      t.dataSource.query(
        `INSERT INTO cancel_session (user_id, subscription_id, store, mode, reason, offer, outcome, verdict, amount_at_stake, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
        [o.uid ?? user.user.id, o.sub ?? id, o.store ?? 'stripe', o.mode ?? 'live', o.reason ?? null, o.offer ? JSON.stringify(o.offer) : null, o.outcome ?? null, o.verdict ?? null, o.amount ?? 750, o.at],
      );
    const discount = { kind: 'discount', percentOff: 20, durationMonths: 3, title: 't', description: 'd' };
    await seed({ at: base, reason: 'too_expensive', offer: discount, outcome: 'saved_discount', verdict: 'saved', amount: 1000 });
    await seed({ at: new Date(base.getTime() + DAY), reason: 'too_expensive', offer: discount, outcome: 'canceled', verdict: 'lost' });
    await seed({ at: new Date(base.getTime() + 8 * DAY), reason: 'unused', offer: { kind: 'pause', months: 2, title: 't', description: 'd' }, outcome: 'saved_pause', verdict: 'saved', amount: 750 });
    await seed({ at: new Date(base.getTime() + 9 * DAY), store: 'app_store', sub: app.id, uid: app.user.user.id, reason: 'switched_service', offer: { kind: 'none' }, outcome: 'manage_in_app_store', verdict: 'lost' });
    await seed({ at: new Date(base.getTime() + 9 * DAY), reason: null, outcome: 'abandoned', verdict: 'saved', amount: 750 });
    await seed({ at: new Date(base.getTime() + 10 * DAY), reason: 'too_expensive', offer: discount, outcome: 'saved_discount', verdict: 'saved', mode: 'test' });

    const range = { from: '2024-03-01T00:00:00Z', to: '2024-03-31T00:00:00Z' };
    const report = (await t.gql(ANALYTICS, { ...range, period: 'WEEK' }, { token: admin.accessToken })).data.retentionAnalytics;
    expect(report.totals).toEqual({
      sessions: 5,
      completed: 4,
      abandoned: 1,
      offersShown: 3,
      offersAccepted: 2,
      canceled: 2,
      saved: 3,
      pending: 0,
      saveRate: 0.6,
      monthlyRevenueSaved: 800 + 750 + 750,
      currency: 'usd',
    });
    expect(report.byStore).toEqual([
      { store: 'STRIPE', totals: { sessions: 4 } },
      { store: 'APP_STORE', totals: { sessions: 1 } },
    ]);
    expect(report.byPeriod.map((p: { periodStart: string; totals: { sessions: number } }) => [p.periodStart.slice(0, 10), p.totals.sessions])).toEqual([
      ['2024-02-26', 0],
      ['2024-03-04', 2],
      ['2024-03-11', 3],
      ['2024-03-18', 0],
      ['2024-03-25', 0],
    ]);
    expect(report.reasons).toEqual([
      { reason: 'TOO_EXPENSIVE', sessions: 2, saved: 1, canceled: 1 },
      { reason: 'SWITCHED_SERVICE', sessions: 1, saved: 0, canceled: 1 },
      { reason: 'UNUSED', sessions: 1, saved: 1, canceled: 0 },
    ]);
    expect(report.offers).toEqual([
      { kind: 'DISCOUNT', shown: 2, accepted: 1 },
      { kind: 'PAUSE', shown: 1, accepted: 1 },
    ]);

    const withTest = (await t.gql(ANALYTICS, { ...range, period: 'MONTH', test: true }, { token: admin.accessToken })).data.retentionAnalytics;
    expect(withTest.totals.sessions).toBe(6);
    expect(withTest.byPeriod).toEqual([{ periodStart: '2024-03-01T00:00:00.000Z', totals: { sessions: 6, saved: 4 } }]);
    const appOnly = (await t.gql(ANALYTICS, { ...range, store: 'APP_STORE' }, { token: admin.accessToken })).data.retentionAnalytics;
    expect(appOnly.totals).toMatchObject({ sessions: 1, canceled: 1, saveRate: 0 });

    expect(errorCode(await t.gql(ANALYTICS, range, { token: user.accessToken }))).toBe('FORBIDDEN');
    expect(errorCode(await t.gql(ANALYTICS, range))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(ANALYTICS, { from: range.to, to: range.from }, { token: admin.accessToken }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await t.gql(ANALYTICS, { from: '2000-01-01T00:00:00Z', to: range.to, period: 'DAY' }, { token: admin.accessToken }))).toBe('BAD_USER_INPUT');
  });

  describe('flow configuration', () => {
    const CONFIG = `{ retentionFlowConfig { updatedAt appearance { title accentColor } reasons { reason label askComment offer { kind title description percentOff durationMonths pauseMonths planKey supportUrl } } appStorePromotionalOfferId } }`;
    const UPDATE = `mutation ($input: RetentionFlowConfigInput!) { updateRetentionFlowConfig(input: $input) { updatedAt reasons { reason offer { kind percentOff } } appearance { title } } }`;

    async function currentAsInput() {
      const config = (await t.gql(CONFIG, {}, { token: admin.accessToken })).data.retentionFlowConfig;
      const full = (await t.gql(`{ retentionFlowConfig { appearance { title intro acceptLabel declineLabel keepLabel accentColor backgroundColor textColor } } }`, {}, { token: admin.accessToken })).data.retentionFlowConfig;
      return { appearance: full.appearance, reasons: config.reasons, appStorePromotionalOfferId: config.appStorePromotionalOfferId };
    }

    afterAll(async () => {
      await t.gql(`mutation { resetRetentionFlowConfig { updatedAt } }`, {}, { token: admin.accessToken });
    });

    it('starts as the checked-in default, takes an admin’s edit for new flows, and resets', async () => {
      const before = (await t.gql(CONFIG, {}, { token: admin.accessToken })).data.retentionFlowConfig;
      expect(before.updatedAt).toBeNull();
      expect(before.reasons.find((r: { reason: string }) => r.reason === 'TOO_EXPENSIVE').offer).toMatchObject({ kind: 'DISCOUNT', percentOff: 30 });

      const input = await currentAsInput();
      input.appearance.title = 'Wait a moment';
      const tooExpensive = input.reasons.find((r: { reason: string }) => r.reason === 'TOO_EXPENSIVE');
      tooExpensive.offer.percentOff = 40;
      const saved = await t.gql(UPDATE, { input }, { token: admin.accessToken });
      expect(saved.errors).toBeUndefined();
      expect(saved.data.updateRetentionFlowConfig.updatedAt).not.toBeNull();

      const { user, id } = await stripeSubscriber();
      const token = await startFlow(user, id);
      const flow = (await t.gql(`query ($t: String!) { cancelFlow(token: $t) { appearance { title } } }`, { t: token })).data.cancelFlow;
      expect(flow.appearance.title).toBe('Wait a moment');
      expect((await t.gql(REASON, { t: token, r: 'TOO_EXPENSIVE' })).data.submitCancelReason.offer).toEqual({ kind: 'DISCOUNT', percentOff: 40 });

      // A reason taken out of the configuration can no longer be chosen.
      input.reasons = input.reasons.filter((r: { reason: string }) => r.reason !== 'LOW_QUALITY');
      await t.gql(UPDATE, { input }, { token: admin.accessToken });
      const next = await startFlow(user, id);
      expect(errorCode(await t.gql(REASON, { t: next, r: 'LOW_QUALITY' }))).toBe('BAD_USER_INPUT');

      const reset = (await t.gql(`mutation { resetRetentionFlowConfig { updatedAt reasons { reason } } }`, {}, { token: admin.accessToken })).data.resetRetentionFlowConfig;
      expect(reset.updatedAt).toBeNull();
      expect(reset.reasons).toHaveLength(8);
    });

    it('refuses a bad configuration as a whole, naming each field, and keeps the old one', async () => {
      const input = await currentAsInput();
      input.appearance.accentColor = 'red';
      input.reasons[0].offer = { kind: 'DISCOUNT', title: 'x', description: 'y', percentOff: 0, durationMonths: 3 };
      input.reasons[1].offer = { kind: 'SWITCH_PLAN', title: 'x', description: 'y', planKey: 'no-such-plan' };
      input.reasons[2].offer = { kind: 'CONTACT_SUPPORT', title: 'x', description: 'y', supportUrl: 'javascript:alert(1)' };
      input.reasons.push({ ...input.reasons[3] });
      const result = await t.gql(UPDATE, { input }, { token: admin.accessToken });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      const fields = (result.errors![0]!.extensions!.fields as Array<{ field: string }>).map((f) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['appearance.accentColor', 'reasons.0.offer.percentOff', 'reasons.1.offer.planKey', 'reasons.2.offer.supportUrl', 'reasons']));
      expect((await t.gql(CONFIG, {}, { token: admin.accessToken })).data.retentionFlowConfig.updatedAt).toBeNull();

      const { user } = await stripeSubscriber();
      expect(errorCode(await t.gql(UPDATE, { input: await currentAsInput() }, { token: user.accessToken }))).toBe('FORBIDDEN');
      expect(errorCode(await t.gql(CONFIG, {}, { token: user.accessToken }))).toBe('FORBIDDEN');
    });
  });
});
