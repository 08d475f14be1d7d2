import express, { type Router } from 'express';
import type Stripe from 'stripe';
import type { Inbox } from '../../platform/inbox/inbox';
import type { Logger } from '../../platform/logger';

/**
 * POST /webhooks/stripe: signature first (on the raw body, Stripe's default 5-minute
 * tolerance), then the inbox. 200 once the event is durable — processing failures are
 * retried from the inbox, not by Stripe; 400 for a bad signature; 500 (Stripe retries)
 * when the event could not be stored.
 */
export function stripeWebhookRouter(stripe: Stripe, webhookSecret: string, inbox: Inbox, log: Logger): Router {
  const router = express.Router();
  router.post('/webhooks/stripe', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    const signature = req.header('stripe-signature');
    let event: Stripe.Event;
    try {
      if (!signature || !Buffer.isBuffer(req.body)) throw new Error('missing signature or body');
      event = stripe.webhooks.constructEvent(req.body, signature, webhookSecret);
    } catch (error) {
      log.warn({ err: error }, 'Stripe webhook rejected: bad signature');
      res.status(400).json({ error: 'invalid signature' });
      return;
    }
    try {
      const outcome = await inbox.receive({
        source: 'stripe',
        externalId: event.id,
        type: event.type,
        occurredAt: new Date(event.created * 1000),
        payload: event,
      });
      res.json({ received: true, duplicate: outcome === 'duplicate' });
    } catch (error) {
      log.error({ err: error, eventId: event.id }, 'Stripe webhook could not be stored');
      res.status(500).json({ error: 'not stored; retry' });
    }
  });
  return router;
}
