import { AutoRenewStatus, Status, type JWSRenewalInfoDecodedPayload, type JWSTransactionDecodedPayload } from '@apple/app-store-server-library';
import { appStoreSubscriptionState } from '../../src/billing/appstore/appstore-state';
import { maskEmail } from '../../src/billing/appstore/appstore.service';

const now = new Date('2026-11-21T12:00:00Z');
const day = 86_400_000;
const tx = (over: Partial<JWSTransactionDecodedPayload> = {}) =>
  ({ originalTransactionId: '1000', productId: 'com.crossbill.pro.monthly', expiresDate: now.getTime() + 10 * day, environment: 'Sandbox', ...over }) as JWSTransactionDecodedPayload;
const renewal = (over: Partial<JWSRenewalInfoDecodedPayload> = {}) =>
  ({ autoRenewStatus: AutoRenewStatus.ON, isInBillingRetryPeriod: false, ...over }) as JWSRenewalInfoDecodedPayload;

describe('appStoreSubscriptionState', () => {
  it.each<[string, Parameters<typeof appStoreSubscriptionState>[0], string, boolean]>([
    ['active and renewing', { transaction: tx(), renewal: renewal() }, 'active', true],
    ['active, renewal turned off', { transaction: tx(), renewal: renewal({ autoRenewStatus: AutoRenewStatus.OFF }) }, 'active', false],
    ['expired by date', { transaction: tx({ expiresDate: now.getTime() - day }), renewal: renewal({ autoRenewStatus: AutoRenewStatus.OFF }) }, 'expired', false],
    ['billing retry inside the grace period', { transaction: tx({ expiresDate: now.getTime() - day }), renewal: renewal({ isInBillingRetryPeriod: true, gracePeriodExpiresDate: now.getTime() + 3 * day }) }, 'in_grace_period', true],
    ['billing retry after the grace period', { transaction: tx({ expiresDate: now.getTime() - day }), renewal: renewal({ isInBillingRetryPeriod: true, gracePeriodExpiresDate: now.getTime() - 1000 }) }, 'in_billing_retry', true],
    ['billing retry without a grace period', { transaction: tx({ expiresDate: now.getTime() - day }), renewal: renewal({ isInBillingRetryPeriod: true }) }, 'in_billing_retry', true],
    ['refunded (revocationDate)', { transaction: tx({ revocationDate: now.getTime() - 1000 }), renewal: renewal() }, 'revoked', false],
    ["Apple's status wins: expired", { transaction: tx(), renewal: renewal(), status: Status.EXPIRED }, 'expired', false],
    ["Apple's status wins: grace", { transaction: tx(), renewal: renewal(), status: Status.BILLING_GRACE_PERIOD }, 'in_grace_period', true],
    ["Apple's status wins: revoked", { transaction: tx(), renewal: renewal(), status: Status.REVOKED }, 'revoked', false],
    ['no renewal info: active until it expires', { transaction: tx() }, 'active', true],
  ])('%s', (_label, input, status, willRenew) => {
    const state = appStoreSubscriptionState({ now, ...input });
    expect(state.status).toBe(status);
    expect(state.willRenew).toBe(willRenew);
    expect(state.planKey).toBe('pro-monthly');
    expect(state.environment).toBe('sandbox');
  });

  it('knows the yearly product, and nothing outside the catalogue', () => {
    expect(appStoreSubscriptionState({ now, transaction: tx({ productId: 'com.crossbill.pro.yearly' }) }).planKey).toBe('pro-yearly');
    expect(appStoreSubscriptionState({ now, transaction: tx({ productId: 'com.other.app' }) }).planKey).toBeNull();
  });
});

it('masks emails for ownership hints', () => {
  expect(maskEmail('ada@example.com')).toBe('a***@example.com');
  expect(maskEmail('x@y.co')).toBe('x***@y.co');
});
