// `npm run stripe:sync`: creates or updates the Stripe products and prices of the plan
// catalogue (api/src/billing/plans.ts), against real Stripe or the local sandbox
// (STRIPE_SECRET_KEY, and STRIPE_API_URL for the sandbox). Safe to run any number of times.
import { loadConfig } from '../../config';
import { plans } from '../plans';
import { syncStripeCatalogue } from './stripe-catalogue';
import { createStripeClient } from './stripe-client';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.stripe) {
    console.error('STRIPE_SECRET_KEY is not set: nothing to sync. (`npm start` without keys syncs its local sandbox itself.)');
    process.exitCode = 1;
    return;
  }
  const stripe = createStripeClient(config.stripe);
  const changes = await syncStripeCatalogue(stripe, plans);
  for (const change of changes) console.log(`${change.plan}: ${change.action}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
