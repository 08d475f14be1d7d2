import os from 'node:os';
import { Algorithm, hash, verify } from '@node-rs/argon2';
import * as commonPasswords from 'fxa-common-password-list';
import { z } from 'zod';

// OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1. @node-rs/argon2 hashes on
// libuv's thread pool, so a login never blocks the event loop.
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`)
  .refine((p) => !isCommonPassword(p), 'This password is too common. Choose one that is harder to guess.');

export function isCommonPassword(password: string): boolean {
  if (/^(.)\1+$/.test(password)) return true; // "aaaaaaaaaa"
  return commonPasswords.test(password) || commonPasswords.test(password.toLowerCase());
}

/**
 * Hashes and verifies passwords, at most `concurrency` at a time (default: one per core).
 * The hashes share libuv's thread pool with WebCrypto, which verifies every access token:
 * without the cap a burst of logins fills the pool and every authenticated request queues
 * behind it (bench/README.md measures this). Excess logins wait their turn instead.
 */
export class PasswordHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private dummyHash: Promise<string> | undefined;
  readonly concurrency: number;

  constructor(concurrency: number = os.availableParallelism()) {
    this.concurrency = Math.max(1, concurrency);
  }

  /** Hashes running now and waiting for a slot (for tests and metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  hash(password: string): Promise<string> {
    return this.limited(() => hash(password, ARGON2_OPTIONS));
  }

  /**
   * False for a wrong password, a malformed hash, or no hash at all. With no hash (unknown
   * email, Google-only account) it still spends one verification against a dummy hash, so a
   * failed login takes as long whatever the reason and timing does not reveal accounts.
   */
  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    if (!passwordHash) {
      this.dummyHash ??= this.hash('crossbill-timing-equaliser');
      const dummy = await this.dummyHash;
      await this.limited(() => verify(dummy, password)).catch(() => false);
      return false;
    }
    return this.limited(() => verify(passwordHash, password)).catch(() => false);
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // hand the slot straight to the next waiter
      else this.running -= 1;
    }
  }
}
