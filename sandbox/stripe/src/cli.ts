/**
 * `node sandbox/dist/stripe/src/cli.js` — runs the Stripe sandbox until SIGTERM/SIGINT.
 * Env: STRIPE_SANDBOX_PORT (default 12111), STRIPE_SANDBOX_HOST (default 127.0.0.1),
 * STRIPE_SANDBOX_STATE_FILE, STRIPE_SANDBOX_WEBHOOK_URL + STRIPE_WEBHOOK_SECRET,
 * STRIPE_SANDBOX_VERBOSE=1 to log every request and delivery.
 */
import { startStripeSandbox } from './index';
import { announceAndStopOnSignal } from '../../shared/serve';

async function main(): Promise<void> {
  const env = process.env;
  const webhookUrl = env.STRIPE_SANDBOX_WEBHOOK_URL;
  const secret = env.STRIPE_WEBHOOK_SECRET;
  if (webhookUrl && !secret) {
    process.stderr.write('[stripe-sandbox] STRIPE_SANDBOX_WEBHOOK_URL needs STRIPE_WEBHOOK_SECRET\n');
    process.exit(1);
  }
  const verbose = env.STRIPE_SANDBOX_VERBOSE === '1';
  const sandbox = await startStripeSandbox({
    port: env.STRIPE_SANDBOX_PORT ? Number(env.STRIPE_SANDBOX_PORT) : 12111,
    host: env.STRIPE_SANDBOX_HOST || '127.0.0.1',
    stateFile: env.STRIPE_SANDBOX_STATE_FILE || undefined,
    webhookEndpoints: webhookUrl && secret ? [{ url: webhookUrl, secret }] : [],
    log: (msg) => {
      if (verbose || /fail|giving up|error/i.test(msg)) process.stderr.write(`[stripe-sandbox] ${msg}\n`);
    },
  });
  const ready = {
    url: sandbox.url,
    secretKey: sandbox.secretKey,
    publishableKey: sandbox.publishableKey,
    stripeJsUrl: sandbox.stripeJsUrl,
  };
  announceAndStopOnSignal('stripe-sandbox', sandbox, ready);
}

main().catch((err) => {
  process.stderr.write(`[stripe-sandbox] failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
