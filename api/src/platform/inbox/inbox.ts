import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../logger';
import { InboxEventEntity, type InboxSource } from './inbox-event.entity';

export type InboxHandler = (event: InboxEventEntity, manager: EntityManager) => Promise<void>;

const MAX_ATTEMPTS = 12;
const POLL_MS = 5_000;

/**
 * Received webhooks and notifications: insert first (idempotent on the store's event id),
 * process second, mark processed third. A handler that throws leaves the event pending with
 * a backoff; the retry loop (any instance, SKIP LOCKED) takes it up again. An event is never
 * acknowledged and lost.
 */
export class Inbox {
  private readonly handlers = new Map<InboxSource, InboxHandler>();
  private poll: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private active = new Set<Promise<unknown>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: Logger,
  ) {}

  register(source: InboxSource, handler: InboxHandler): void {
    this.handlers.set(source, handler);
  }

  /** Starts the retry loop. */
  start(): void {
    this.poll ??= setInterval(() => void this.drain(), POLL_MS);
    this.poll.unref();
  }

  /**
   * Stores the event unless it is already there, then tries to process it at once.
   * Resolves once the event is durable (and processed, unless processing failed).
   */
  async receive(event: { source: InboxSource; externalId: string; type: string; occurredAt: Date; payload: unknown }): Promise<'stored' | 'duplicate'> {
    const inserted = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(InboxEventEntity)
      .values({ ...event, payload: event.payload as object })
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = (inserted.raw as Array<{ id: string }>)[0]?.id;
    if (!id) return 'duplicate';
    await this.track(this.process(id));
    return 'stored';
  }

  /** Processes every due event, oldest first (the retry loop; also callable from tests). */
  drain(): Promise<void> {
    this.draining ??= (async () => {
      try {
        for (;;) {
          const due = await this.dataSource
            .getRepository(InboxEventEntity)
            .createQueryBuilder('e')
            .select('e.id')
            .where('e.processed_at IS NULL AND e.next_attempt_at <= now() AND e.attempts < :max', { max: MAX_ATTEMPTS })
            .orderBy('e.occurred_at')
            .limit(20)
            .getMany();
          if (!due.length) return;
          let progressed = false;
          for (const { id } of due) progressed = (await this.track(this.process(id))) || progressed;
          if (!progressed) return;
        }
      } catch (error) {
        this.log.error({ err: error }, 'inbox drain failed');
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
    await Promise.allSettled([...this.active, this.draining]);
  }

  /** Processes one event if it is still pending and nobody else holds it; true when it was handled now. */
  private async process(id: string): Promise<boolean> {
    let failure: unknown;
    let handled = false;
    let attempts = 0;
    try {
      await this.dataSource.transaction(async (manager) => {
        const event = await manager
          .getRepository(InboxEventEntity)
          .createQueryBuilder('e')
          .where('e.id = :id AND e.processed_at IS NULL', { id })
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .getOne();
        if (!event) return;
        attempts = event.attempts;
        const handler = this.handlers.get(event.source);
        if (!handler) throw new Error(`no inbox handler for ${event.source}`);
        await handler(event, manager);
        await manager.update(InboxEventEntity, id, { processedAt: new Date(), attempts: event.attempts + 1, lastError: null });
        handled = true;
      });
    } catch (error) {
      failure = error;
    }
    if (failure) {
      const next = attempts + 1;
      const backoffSeconds = Math.min(3600, 5 * 2 ** next);
      await this.dataSource
        .getRepository(InboxEventEntity)
        .update(id, {
          attempts: next,
          lastError: String((failure as Error)?.message ?? failure).slice(0, 1000),
          nextAttemptAt: new Date(Date.now() + backoffSeconds * 1000),
        })
        .catch((error) => this.log.error({ err: error, inboxEventId: id }, 'could not record inbox failure'));
      this.log.warn({ err: failure, inboxEventId: id, attempts: next }, 'inbox event failed; will retry');
    }
    return handled;
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.active.add(work);
    try {
      return await work;
    } finally {
      this.active.delete(work);
    }
  }
}
