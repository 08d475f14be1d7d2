import type { StoreName } from './store-subscription.entity';

export const APP_STORE_MANAGE_URL = 'https://apps.apple.com/account/subscriptions';

/** Where a subscriber manages a subscription of this store: Apple's page, or our account page for Stripe. */
export function managementUrl(store: StoreName, publicWebUrl: string): string | null {
  if (store === 'app_store') return APP_STORE_MANAGE_URL;
  if (store === 'stripe') return `${publicWebUrl}/account`;
  return null;
}
