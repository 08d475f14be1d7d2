import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import type { Logger } from '../logger';

export const CHANNEL = 'crossbill_events';

export interface UserEvent {
  type: 'subscriptions';
  userId: string;
}

/**
 * Events between API instances through PostgreSQL LISTEN/NOTIFY: no extra service. `notify`
 * runs inside the caller's transaction, and PostgreSQL delivers a NOTIFY only when that
 * transaction commits — so a client is never told about a change that then rolled back.
 * Every instance (this one included) hears it and pushes to its own WebSocket subscribers.
 */
export class PgPubSub {
  private readonly local = new EventEmitter();
  private client: Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: Logger,
  ) {
    this.local.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'crossbill-pubsub' });
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      try {
        this.emitLocal(JSON.parse(message.payload) as UserEvent);
      } catch (error) {
        this.log.warn({ err: error }, 'unreadable pubsub message');
      }
    });
    client.on('error', (error) => {
      this.log.error({ err: error }, 'pubsub connection lost; reconnecting');
      this.reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  /** Announces a change; delivered to every instance when the caller's transaction commits. */
  static async notify(manager: EntityManager, event: UserEvent): Promise<void> {
    await manager.query(`SELECT pg_notify($1, $2)`, [CHANNEL, JSON.stringify(event)]);
  }

  /** Calls `listener` for every event about anyone (e.g. to kick the webhook dispatcher). */
  onAny(listener: (event: UserEvent) => void): void {
    this.local.on('*', listener);
  }

  /** Emits to this instance's subscribers only (e.g. an expiry this instance noticed by the clock). */
  emitLocal(event: UserEvent): void {
    this.local.emit(event.userId, event);
    this.local.emit('*', event);
  }

  /** Calls `listener` for every event about the user until the returned function is called. */
  onUser(userId: string, listener: (event: UserEvent) => void): () => void {
    this.local.on(userId, listener);
    return () => this.local.off(userId, listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private reconnect(): void {
    if (this.closed || this.retry) return;
    void this.client?.end().catch(() => undefined);
    this.client = undefined;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.start().catch((error) => {
        this.log.error({ err: error }, 'pubsub reconnect failed');
        this.reconnect();
      });
    }, 1000);
    this.retry.unref();
  }
}
