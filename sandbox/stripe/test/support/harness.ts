import http from 'node:http';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { StripeSandbox, StripeSandboxOptions, startStripeSandbox } from '../../src';

export const WEBHOOK_SECRET = 'whsec_test_crossbill_sandbox_secret';

export interface Received {
  event: Stripe.Event;
  raw: string;
  signature: string;
}

/** A webhook receiver that verifies signatures the way the API does. */
export class Receiver {
  events: Received[] = [];
  attempts = 0;
  /** Decides the HTTP status for each delivery (default 200). */
  respond: (event: Stripe.Event, attempt: number) => number = () => 200;
  private server!: http.Server;
  url = '';

  constructor(private readonly verifier: Stripe) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const signature = String(req.headers['stripe-signature'] ?? '');
        this.attempts++;
        let event: Stripe.Event;
        try {
          event = this.verifier.webhooks.constructEvent(raw, signature, WEBHOOK_SECRET);
        } catch {
          res.statusCode = 400;
          res.end('bad signature');
          return;
        }
        const status = this.respond(event, this.attempts);
        if (status >= 200 && status < 300) this.events.push({ event, raw, signature });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/stripe`;
  }

  types(): string[] {
    return this.events.map((e) => e.event.type);
  }

  ofType<T = Stripe.Event>(type: string): T[] {
    return this.events.filter((e) => e.event.type === type).map((e) => e.event as unknown as T);
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }
}

export interface Harness {
  sandbox: StripeSandbox;
  stripe: Stripe;
  receiver: Receiver;
  close(): Promise<void>;
}

export function client(sandbox: StripeSandbox, key = sandbox.secretKey): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 0 });
}

export async function startHarness(options: StripeSandboxOptions = {}): Promise<Harness> {
  const receiver = new Receiver(new Stripe('sk_test_verifier'));
  await receiver.start();
  const sandbox = await startStripeSandbox({
    port: 0,
    webhookEndpoints: [{ url: receiver.url, secret: WEBHOOK_SECRET }],
    webhookRetryBaseMs: 10,
    ...options,
  });
  const stripe = client(sandbox);
  return {
    sandbox,
    stripe,
    receiver,
    close: async () => {
      await sandbox.close();
      await receiver.stop();
    },
  };
}

/** A customer on a fresh test clock, a monthly and a yearly price. */
export async function catalog(stripe: Stripe, clockStart = Math.floor(Date.UTC(2026, 0, 15) / 1000)) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: clockStart });
  const customer = await stripe.customers.create({ email: 'ada@example.com', test_clock: clock.id });
  const product = await stripe.products.create({ name: 'Crossbill Pro' });
  const monthly = await stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: 1000,
    recurring: { interval: 'month' },
    lookup_key: `pro_monthly_${clock.id}`,
  });
  const monthlyPlus = await stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: 3000,
    recurring: { interval: 'month' },
  });
  const yearly = await stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: 10000,
    recurring: { interval: 'year' },
  });
  return { clock, customer, product, monthly, monthlyPlus, yearly };
}

export const DAY = 86400;

/** Creates a subscription the way the API does (default_incomplete, save on subscription). */
export async function subscribe(stripe: Stripe, customer: string, price: string) {
  return stripe.subscriptions.create({
    customer,
    items: [{ price }],
    payment_behavior: 'default_incomplete',
    payment_settings: { save_default_payment_method: 'on_subscription' },
    expand: ['latest_invoice.confirmation_secret'],
  });
}

export function piFromSecret(clientSecret: string): string {
  return clientSecret.split('_secret_')[0] as string;
}
