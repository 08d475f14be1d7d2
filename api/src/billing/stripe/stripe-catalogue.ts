import type Stripe from 'stripe';
import type { PlanDefinition } from '../plans';

export type CatalogueChange = { plan: string; action: 'created product' | 'updated product' | 'created price' | 'replaced price' | 'unchanged' };

const productId = (plan: PlanDefinition) => `crossbill_${plan.key.replace(/[^a-z0-9]+/gi, '_')}`;

/**
 * Makes Stripe's products and prices match the catalogue, idempotently: products have fixed
 * ids, prices are found by lookup_key. Prices are immutable in Stripe, so a changed amount or
 * interval creates a new price that takes over the lookup key (existing subscribers keep the
 * old price until they change plan).
 */
export async function syncStripeCatalogue(stripe: Stripe, catalogue: readonly PlanDefinition[]): Promise<CatalogueChange[]> {
  const changes: CatalogueChange[] = [];
  for (const plan of catalogue) {
    const id = productId(plan);
    let product = await stripe.products.retrieve(id).catch((error: { statusCode?: number }) => {
      if (error.statusCode === 404) return null;
      throw error;
    });
    if (!product) {
      product = await stripe.products.create({ id, name: plan.name, description: plan.description, metadata: { crossbill_plan: plan.key } });
      changes.push({ plan: plan.key, action: 'created product' });
    } else if (product.name !== plan.name || product.description !== plan.description || !product.active) {
      await stripe.products.update(id, { name: plan.name, description: plan.description, active: true });
      changes.push({ plan: plan.key, action: 'updated product' });
    }
    const [price] = (await stripe.prices.list({ lookup_keys: [plan.stripeLookupKey], active: true, limit: 1 })).data;
    const matches =
      price &&
      price.unit_amount === plan.amount &&
      price.currency === plan.currency &&
      price.recurring?.interval === plan.interval &&
      (typeof price.product === 'string' ? price.product : price.product.id) === id;
    if (matches) {
      if (!changes.some((c) => c.plan === plan.key)) changes.push({ plan: plan.key, action: 'unchanged' });
      continue;
    }
    await stripe.prices.create({
      product: id,
      unit_amount: plan.amount,
      currency: plan.currency,
      recurring: { interval: plan.interval },
      lookup_key: plan.stripeLookupKey,
      transfer_lookup_key: true,
      metadata: { crossbill_plan: plan.key },
    });
    changes.push({ plan: plan.key, action: price ? 'replaced price' : 'created price' });
  }
  return changes;
}
