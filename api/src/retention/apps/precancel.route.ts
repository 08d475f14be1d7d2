import express, { type Router } from 'express';
import type { Logger } from '../../platform/logger';
import type { RetentionAppsService } from './retention-apps.service';

/** POST /api/precancel: a cancel session started server-to-server with an app's key pair (Chargebee Retention style). */
export function precancelRouter(apps: RetentionAppsService, log: Logger): Router {
  const router = express.Router();
  // The signature covers the exact bytes sent, so the body is read raw and parsed afterwards.
  router.post('/api/precancel', express.raw({ type: () => true, limit: '16kb' }), async (req, res) => {
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const answer = await apps.precancel(body, { signature: req.get('Signature'), publicKey: req.get('Signature-Public-Key') });
      res.status(answer.status).json(answer.body);
    } catch (error) {
      log.error({ err: error }, 'precancel failed');
      res.status(500).json({ valid: false, message: 'Something went wrong on our side; try again.' });
    }
  });
  return router;
}
