import type { Pool } from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors';

export interface RateLimitRule {
  /** How many attempts a key may make per window. */
  points: number;
  windowSeconds: number;
}

/**
 * Named rate limits stored in PostgreSQL (rate-limiter-flexible), so a limit holds across
 * every API instance. Each bucket keeps its own keys (`login:ip:1.2.3.4`).
 */
export class RateLimiter {
  private readonly limiters = new Map<string, RateLimiterPostgres>();
  private readonly sweep: NodeJS.Timeout;

  constructor(
    pool: Pool,
    rules: Record<string, RateLimitRule>,
    private readonly enabled: boolean,
  ) {
    for (const [bucket, rule] of Object.entries(rules)) {
      this.limiters.set(
        bucket,
        new RateLimiterPostgres({
          storeClient: pool,
          storeType: 'pool',
          tableName: 'rate_limit',
          tableCreated: true, // the table comes from our migrations
          clearExpiredByTimeout: false,
          keyPrefix: bucket,
          points: rule.points,
          duration: rule.windowSeconds,
        }),
      );
    }
    // Expired rows are harmless but pile up; sweep them now and then.
    this.sweep = setInterval(() => {
      void pool.query('DELETE FROM rate_limit WHERE expire < $1', [Date.now()]).catch(() => undefined);
    }, 15 * 60_000);
    this.sweep.unref();
  }

  /** Counts one attempt; throws RATE_LIMITED (with retryAfterSeconds) once the window is used up. */
  async consume(bucket: string, key: string): Promise<void> {
    if (!this.enabled) return;
    const limiter = this.limiter(bucket);
    try {
      await limiter.consume(key.toLowerCase());
    } catch (result) {
      if (result instanceof RateLimiterRes) {
        throw new AppError('RATE_LIMITED', undefined, { retryAfterSeconds: Math.ceil(result.msBeforeNext / 1000) });
      }
      throw result;
    }
  }

  /** Forgets a key's attempts (after a successful login, say). */
  async reset(bucket: string, key: string): Promise<void> {
    if (!this.enabled) return;
    await this.limiter(bucket).delete(key.toLowerCase());
  }

  close(): void {
    clearInterval(this.sweep);
  }

  private limiter(bucket: string): RateLimiterPostgres {
    const limiter = this.limiters.get(bucket);
    if (!limiter) throw new Error(`unknown rate-limit bucket ${bucket}`);
    return limiter;
  }
}
