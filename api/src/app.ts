import type { DataSource } from 'typeorm';
import { AccessTokens } from './accounts/access-tokens';
import { AccountService, accountRateLimitRules } from './accounts/account.service';
import { PasswordHasher } from './accounts/passwords';
import { SessionService } from './accounts/session.service';
import { loadSigningKeys } from './accounts/signing-keys';
import type { Config } from './config';
import type { Services } from './platform/graphql/context';
import { startServer, type RunningServer } from './platform/http/server';
import type { Logger } from './platform/logger';
import { Mailer } from './platform/mail/mailer';
import { RateLimiter } from './platform/rate-limit/rate-limiter';

export interface Api {
  server: RunningServer;
  services: Services;
  mailer: Mailer;
  passwords: PasswordHasher;
  /** Stops taking requests, waits for those in flight, stops background work. Idempotent. */
  close(): Promise<void>;
}

/** Wires the services onto a ready (migrated) database and starts the HTTP/WebSocket server. */
export async function startApi(config: Config, log: Logger, dataSource: DataSource, port?: number): Promise<Api> {
  const signingKeys = await loadSigningKeys(
    { json: config.tokens.signingKeysJson, dataDir: config.dataDir, allowGenerate: !config.isProduction },
    log,
  );
  const accessTokens = new AccessTokens(signingKeys, {
    issuer: config.tokens.issuer,
    audience: config.tokens.audience,
    ttlSeconds: config.tokens.accessTokenTtlSeconds,
  });
  const pool = (dataSource.driver as unknown as { master: import('pg').Pool }).master;
  const rateLimiter = new RateLimiter(pool, accountRateLimitRules(config.rateLimits), config.rateLimits.enabled);
  const mailer = new Mailer(dataSource, config.mail, log.child({ component: 'mailer' }));
  const sessions = new SessionService(dataSource, accessTokens, { refreshTokenTtlDays: config.tokens.refreshTokenTtlDays }, log);
  const passwords = new PasswordHasher(config.passwordHashConcurrency);
  const accounts = new AccountService(dataSource, sessions, passwords, mailer, rateLimiter, { publicWebUrl: config.publicWebUrl }, log);
  const services: Services = { accounts, sessions };

  const server = await startServer(
    { config, log, dataSource, services, signingKeys, exposeOutbox: !config.isProduction && !mailer.deliversOverSmtp },
    port,
  );
  mailer.kick(); // anything left undelivered by a previous run

  let closing: Promise<void> | undefined;
  return {
    server,
    services,
    mailer,
    passwords,
    close() {
      closing ??= (async () => {
        await server.close();
        rateLimiter.close();
        await mailer.close();
      })();
      return closing;
    },
  };
}
