import nodemailer, { type Transporter } from 'nodemailer';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '../logger';
import { MailMessageEntity } from './mail-message.entity';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const MAX_ATTEMPTS = 8;
const POLL_MS = 10_000;

/**
 * Mail goes through the `mail_message` outbox. `enqueue` writes inside the caller's
 * transaction, so a mail exists exactly when the change that caused it committed; `kick`
 * (after commit) and a slow poll deliver it over SMTP, with retries and backoff. Without
 * SMTP the outbox is the mailbox: each message is logged and readable at /dev/outbox.
 */
export class Mailer {
  private readonly transport: Transporter | undefined;
  private readonly poll: NodeJS.Timeout | undefined;
  private delivering: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: { smtpUrl: string | undefined; from: string },
    private readonly log: Logger,
  ) {
    if (options.smtpUrl) {
      this.transport = nodemailer.createTransport(options.smtpUrl);
      this.poll = setInterval(() => this.kick(), POLL_MS);
      this.poll.unref();
    }
  }

  get deliversOverSmtp(): boolean {
    return Boolean(this.transport);
  }

  async enqueue(manager: EntityManager, mail: OutgoingMail): Promise<void> {
    await manager.insert(MailMessageEntity, { ...mail });
    if (!this.transport) {
      this.log.info({ to: mail.to, subject: mail.subject, text: mail.text }, 'mail written to the outbox (no SMTP configured)');
    }
  }

  /** Starts a delivery round unless one is running (then it runs once more after it). */
  kick(): void {
    if (!this.transport) return;
    if (this.delivering) {
      this.again = true;
      return;
    }
    this.delivering = this.deliverPending()
      .catch((error) => this.log.error({ err: error }, 'mail delivery round failed'))
      .finally(() => {
        this.delivering = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Waits for the current delivery round (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.delivering) await this.delivering;
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    await this.idle();
    this.transport?.close();
  }

  private async deliverPending(): Promise<void> {
    for (;;) {
      const delivered = await this.dataSource.transaction(async (manager) => {
        // SKIP LOCKED: several API instances share the outbox without sending a mail twice.
        const [message] = await manager
          .createQueryBuilder(MailMessageEntity, 'm')
          .where('m.delivered_at IS NULL AND m.next_attempt_at <= now() AND m.attempts < :max', { max: MAX_ATTEMPTS })
          .orderBy('m.next_attempt_at')
          .limit(1)
          .setLock('pessimistic_write')
          .setOnLocked('skip_locked')
          .getMany();
        if (!message) return false;
        try {
          await this.transport!.sendMail({ from: this.options.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
          await manager.update(MailMessageEntity, message.id, { deliveredAt: new Date(), attempts: message.attempts + 1, lastError: null });
          this.log.info({ mailId: message.id, to: message.to }, 'mail delivered');
        } catch (error) {
          const attempts = message.attempts + 1;
          const backoffSeconds = Math.min(3600, 15 * 2 ** attempts);
          await manager.update(MailMessageEntity, message.id, {
            attempts,
            lastError: String((error as Error).message ?? error).slice(0, 500),
            nextAttemptAt: new Date(Date.now() + backoffSeconds * 1000),
          });
          this.log.warn({ mailId: message.id, attempts, err: error }, 'mail delivery failed; will retry');
        }
        return true;
      });
      if (!delivered) return;
    }
  }
}
