import Stripe from 'stripe';

export type { Stripe };

/**
 * The Stripe SDK, pinned to its bundled API version. `apiUrl` points it at another
 * Stripe-compatible server (the local sandbox) through the SDK's own host/port/protocol
 * options; nothing else in Crossbill knows the difference.
 */
export function createStripeClient(options: { secretKey: string; apiUrl?: string }): Stripe {
  const config: Stripe.StripeConfig = {
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'Crossbill', url: 'https://github.com/crossbill' },
  };
  if (options.apiUrl) {
    const url = new URL(options.apiUrl);
    config.host = url.hostname;
    config.port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    config.protocol = url.protocol === 'https:' ? 'https' : 'http';
  }
  return new Stripe(options.secretKey, config);
}
