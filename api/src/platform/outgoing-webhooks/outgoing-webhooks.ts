import { createHmac } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../logger';
import { OutgoingDeliveryEntity, OutgoingEventEntity } from './outgoing-webhook.entities';

const MAX_ATTEMPTS = 15;
const POLL_MS = 2_000;
const TIMEOUT_MS = 10_000;

/**
 * `Crossbill-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` — the same
 * scheme as Stripe's, so receivers can reuse what they know: recompute, compare in constant
 * time, and reject timestamps older than a few minutes (replays).
 */
export function signWebhook(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

/** Writes an event into the outbox inside the caller's transaction; `dedupeKey` makes repeats no-ops. */
export async function enqueueOutgoingEvent(
  manager: EntityManager,
  event: { type: string; userId: string | null; payload: unknown; dedupeKey?: string },
): Promise<void> {
  await manager
    .createQueryBuilder()
    .insert()
    .into(OutgoingEventEntity)
    .values({ type: event.type, userId: event.userId, payload: event.payload as object, dedupeKey: event.dedupeKey ?? null })
    .orIgnore()
    .execute();
}

/**
 * Delivers outbox events to the configured endpoints: every event to every endpoint, signed,
 * retried with exponential backoff (10 s · 2ⁿ, at most an hour, 15 attempts) until a 2xx. Any
 * instance may deliver (SKIP LOCKED); a receiver that is down for a while loses nothing.
 */
export class OutgoingWebhooks {
  private poll: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { endpoints: string[]; secret: string | undefined },
    private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.options.endpoints.length) return;
    this.poll = setInterval(() => this.kick(), POLL_MS);
    this.poll.unref();
  }

  kick(): void {
    if (!this.options.endpoints.length) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliverDue()
      .catch((error) => this.log.error({ err: error }, 'outgoing webhook round failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.idle();
  }

  /** The newest deliveries, for the admin delivery log. */
  deliveries(limit: number): Promise<OutgoingDeliveryEntity[]> {
    return this.dataSource.getRepository(OutgoingDeliveryEntity).find({ order: { createdAt: 'DESC' }, take: Math.min(Math.max(limit, 1), 200), relations: { event: true } });
  }

  /** Sends an event again to every endpoint (an admin asked, e.g. after fixing the receiver). */
  async replay(eventId: string): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(OutgoingDeliveryEntity)
      .update({ eventId }, { deliveredAt: null, attempts: 0, nextAttemptAt: new Date(), lastError: null });
    const created = await this.createDeliveries(eventId);
    this.kick();
    return (result.affected ?? 0) + created > 0;
  }

  private async createDeliveries(eventId?: string): Promise<number> {
    let created = 0;
    for (const endpoint of this.options.endpoints) {
      const rows = await this.dataSource.query(
        `INSERT INTO outgoing_delivery (event_id, endpoint)
           SELECT e.id, $1 FROM outgoing_event e
            WHERE ($2::uuid IS NULL OR e.id = $2) AND NOT EXISTS (SELECT 1 FROM outgoing_delivery d WHERE d.event_id = e.id AND d.endpoint = $1)
         ON CONFLICT DO NOTHING RETURNING id`,
        [endpoint, eventId ?? null],
      );
      created += rows.length;
    }
    return created;
  }

  private async deliverDue(): Promise<void> {
    if (!this.options.secret) return;
    await this.createDeliveries();
    for (;;) {
      const progressed = await this.dataSource.transaction(async (manager) => {
        const due = await manager
          .getRepository(OutgoingDeliveryEntity)
          .createQueryBuilder('d')
          .where('d.delivered_at IS NULL AND d.next_attempt_at <= now() AND d.attempts < :max', { max: MAX_ATTEMPTS })
          .orderBy('d.created_at')
          .limit(10)
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .getMany();
        for (const delivery of due) await this.send(manager, delivery);
        return due.length > 0;
      });
      if (!progressed) return;
    }
  }

  private async send(manager: EntityManager, delivery: OutgoingDeliveryEntity): Promise<void> {
    const event = await manager.findOneByOrFail(OutgoingEventEntity, { id: delivery.eventId });
    const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.payload });
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Crossbill-Webhooks/1',
          'crossbill-event-id': event.id,
          'crossbill-signature': signWebhook(body, this.options.secret!),
        },
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) error = `HTTP ${response.status}`;
    } catch (caught) {
      error = String((caught as Error)?.message ?? caught).slice(0, 500);
    }
    const attempts = delivery.attempts + 1;
    if (!error) {
      await manager.update(OutgoingDeliveryEntity, delivery.id, { attempts, deliveredAt: new Date(), lastStatus: status, lastError: null });
      return;
    }
    const backoffSeconds = Math.min(3600, 10 * 2 ** (attempts - 1));
    await manager.update(OutgoingDeliveryEntity, delivery.id, {
      attempts,
      lastStatus: status,
      lastError: error,
      nextAttemptAt: new Date(Date.now() + backoffSeconds * 1000),
    });
    this.log.warn({ endpoint: delivery.endpoint, eventId: event.id, attempts, error }, 'outgoing webhook failed; will retry');
  }
}
