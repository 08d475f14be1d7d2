import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { AppError } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { AccessTokens } from './access-tokens';
import type { AuthPayloadModel, RequestMeta } from './auth-payload';
import { hashSecretToken, newSecretToken } from './secret-tokens';
import { RefreshTokenEntity, SessionEntity, type SessionRevokedReason } from './session.entity';
import { UserEntity } from './user.entity';

const REFRESH_TOKEN_PREFIX = 'cbr';

/** Active entitlement keys of a user → end of access (epoch seconds, null = no end), for the token's `ent` claim. */
export type EntitlementClaims = (userId: string) => Promise<Record<string, number | null>>;

export interface Viewer {
  user: UserEntity;
  sessionId: string;
  accessTokenExpiresAt: Date;
}

const sessionEnded = () => new AppError('UNAUTHENTICATED', 'Your session has ended. Sign in again.');

/**
 * Sessions are refresh-token families. Each refresh rotates the token; the old one is kept,
 * marked rotated, so that seeing it again (someone replaying a stolen token, or the thief
 * racing the owner) revokes the whole family: both parties must sign in again, and the
 * thief cannot.
 */
export class SessionService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accessTokens: AccessTokens,
    private readonly options: { refreshTokenTtlDays: number },
    private readonly log: Logger,
    private entitlementClaims: EntitlementClaims = async () => ({}),
  ) {}

  /** Billing is wired after accounts (it needs the user tables first); tokens then carry entitlements. */
  useEntitlementClaims(claims: EntitlementClaims): void {
    this.entitlementClaims = claims;
  }

  /** Opens a new session for the user inside the caller's transaction and returns its tokens. */
  async open(manager: EntityManager, user: UserEntity, meta: RequestMeta): Promise<AuthPayloadModel> {
    const expiresAt = new Date(Date.now() + this.options.refreshTokenTtlDays * 86_400_000);
    const session = await manager.save(
      manager.create(SessionEntity, {
        userId: user.id,
        expiresAt,
        userAgent: meta.userAgent?.slice(0, 500) ?? null,
        ip: meta.ip,
        lastRefreshedAt: null,
        revokedAt: null,
        revokedReason: null,
      }),
    );
    const refreshToken = await this.addRefreshToken(manager, session.id);
    const access = await this.accessTokens.issue(user.id, session.id, await this.entitlementClaims(user.id));
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt: expiresAt, user };
  }

  async refresh(refreshToken: string, meta: RequestMeta): Promise<AuthPayloadModel> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const presented = await manager.findOne(RefreshTokenEntity, {
        where: { tokenHash: hashSecretToken(refreshToken) },
        lock: { mode: 'pessimistic_write' },
      });
      if (!presented) return { kind: 'unknown' as const };
      const session = await manager.findOne(SessionEntity, {
        where: { id: presented.sessionId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!session || session.revokedAt || session.expiresAt <= new Date()) return { kind: 'ended' as const };
      if (presented.rotatedAt) {
        await this.revokeSession(manager, session.id, 'refresh_token_reuse');
        return { kind: 'reused' as const, session };
      }
      const user = await manager.findOneByOrFail(UserEntity, { id: session.userId });
      await manager.update(RefreshTokenEntity, presented.tokenHash, { rotatedAt: new Date() });
      await manager.update(SessionEntity, session.id, { lastRefreshedAt: new Date(), ip: meta.ip });
      const next = await this.addRefreshToken(manager, session.id);
      const access = await this.accessTokens.issue(user.id, session.id, await this.entitlementClaims(user.id));
      const payload: AuthPayloadModel = {
        accessToken: access.token,
        accessTokenExpiresAt: access.expiresAt,
        refreshToken: next,
        refreshTokenExpiresAt: session.expiresAt,
        user,
      };
      return { kind: 'rotated' as const, payload };
    });
    if (outcome.kind === 'rotated') return outcome.payload;
    if (outcome.kind === 'reused') {
      // Committed before we answer: the revocation stands even though this call fails.
      this.log.warn({ sessionId: outcome.session.id, userId: outcome.session.userId, ip: meta.ip }, 'refresh token reused; session revoked');
    }
    throw sessionEnded();
  }

  /** Ends the session a refresh token belongs to. Unknown tokens are ignored: logging out twice is fine. */
  async logout(refreshToken: string): Promise<void> {
    const presented = await this.dataSource.getRepository(RefreshTokenEntity).findOneBy({ tokenHash: hashSecretToken(refreshToken) });
    if (presented) await this.revokeSession(this.dataSource.manager, presented.sessionId, 'logout');
  }

  async revokeSession(manager: EntityManager, sessionId: string, reason: SessionRevokedReason): Promise<void> {
    await manager.update(SessionEntity, { id: sessionId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
  }

  async revokeAllForUser(manager: EntityManager, userId: string, reason: SessionRevokedReason): Promise<number> {
    const result = await manager.update(SessionEntity, { userId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
    return result.affected ?? 0;
  }

  /**
   * Who is calling, from an access token: a valid signature and a session that has not been
   * revoked (so logout takes effect at once here, not only when the token expires).
   */
  async authenticate(accessToken: string): Promise<Viewer> {
    const claims = await this.accessTokens.verify(accessToken);
    const session = await this.dataSource
      .getRepository(SessionEntity)
      .findOne({ where: { id: claims.sessionId, userId: claims.userId }, relations: { user: true } });
    if (!session?.user || session.revokedAt) throw sessionEnded();
    return { user: session.user, sessionId: session.id, accessTokenExpiresAt: claims.expiresAt };
  }

  private async addRefreshToken(manager: EntityManager, sessionId: string): Promise<string> {
    const token = newSecretToken(REFRESH_TOKEN_PREFIX);
    await manager.insert(RefreshTokenEntity, { tokenHash: hashSecretToken(token), sessionId, rotatedAt: null });
    return token;
  }
}
