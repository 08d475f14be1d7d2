import { startHarness, catalog, subscribe, piFromSecret } from './support/harness';
import type Stripe from 'stripe';

test('smoke', async () => {
  const h = await startHarness();
  try {
    const { customer, monthly } = await catalog(h.stripe);
    const sub = await subscribe(h.stripe, customer.id, monthly.id);
    const inv = sub.latest_invoice as Stripe.Invoice;
    console.log(sub.status, inv.status, inv.confirmation_secret);
    const pi = await h.stripe.paymentIntents.confirm(piFromSecret(inv.confirmation_secret!.client_secret), { payment_method: 'pm_card_visa' });
    console.log(pi.status);
    const after = await h.stripe.subscriptions.retrieve(sub.id);
    console.log(after.status, after.default_payment_method);
    await h.sandbox.webhooksIdle();
    console.log(h.receiver.types());
  } finally {
    await h.close();
  }
});
