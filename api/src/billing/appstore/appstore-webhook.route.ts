import express, { type Router } from 'express';
import type { Inbox } from '../../platform/inbox/inbox';
import type { Logger } from '../../platform/logger';
import type { AppleVerifier } from './apple-verifier';
import type { StoredNotification } from './appstore.service';

/**
 * POST /webhooks/app-store (App Store Server Notifications V2, `{ signedPayload }`): the
 * signature chain is verified first, then the notification goes into the inbox on its
 * notificationUUID and is processed (older ones never overwrite newer state: signedDate is
 * the ordering key). 200 once stored; 400 for unverifiable data; 500 (Apple retries) when it
 * could not be stored.
 */
export function appStoreWebhookRouter(verifier: AppleVerifier, inbox: Inbox, log: Logger): Router {
  const router = express.Router();
  router.post('/webhooks/app-store', express.json({ limit: '1mb' }), async (req, res) => {
    const signedPayload = (req.body as { signedPayload?: unknown } | undefined)?.signedPayload;
    if (typeof signedPayload !== 'string') {
      res.status(400).json({ error: 'expected { signedPayload }' });
      return;
    }
    let stored: StoredNotification;
    try {
      stored = { signedPayload, notification: await verifier.verifyNotification(signedPayload) };
    } catch (error) {
      log.warn({ err: error }, 'App Store notification rejected: verification failed');
      res.status(400).json({ error: 'verification failed' });
      return;
    }
    const { notification } = stored;
    if (!notification.notificationUUID) {
      res.status(400).json({ error: 'no notificationUUID' });
      return;
    }
    try {
      const outcome = await inbox.receive({
        source: 'app_store',
        externalId: notification.notificationUUID,
        type: [notification.notificationType, notification.subtype].filter(Boolean).join('/'),
        occurredAt: new Date(notification.signedDate ?? Date.now()),
        payload: stored,
      });
      res.json({ received: true, duplicate: outcome === 'duplicate' });
    } catch (error) {
      log.error({ err: error, notificationUUID: notification.notificationUUID }, 'App Store notification could not be stored');
      res.status(500).json({ error: 'not stored; retry' });
    }
  });
  return router;
}
