import { type DataSource, type EntityManager } from 'typeorm';
import { AppError } from '../../platform/errors';
import { isUniqueViolation } from '../../platform/db/postgres-errors';
import type { Logger } from '../../platform/logger';
import type { RateLimiter } from '../../platform/rate-limit/rate-limiter';
import type { AuthPayloadModel, RequestMeta } from '../auth-payload';
import type { SessionService, Viewer } from '../session.service';
import { UserEntity } from '../user.entity';
import { IdentityEntity, type IdentityProviderName } from './identity.entity';
import type { ProviderTokenVerifier, VerifiedIdentity } from './provider-tokens';

export interface PersonName {
  givenName?: string | null;
  familyName?: string | null;
}


function displayName(identity: VerifiedIdentity, fullName: PersonName | null | undefined): string {
  const given = [fullName?.givenName, fullName?.familyName].map((p) => p?.trim()).filter(Boolean).join(' ');
  return (given || identity.name || identity.email?.split('@')[0] || 'Crossbill user').slice(0, 100);
}

/**
 * Google and Apple sign-in and linking (docs/decisions/0009). The rules: a known
 * (provider, subject) signs into its user; otherwise a verified provider email equal to a
 * user's verified email links automatically; an unverified account email refuses
 * (ACCOUNT_EXISTS_SIGN_IN_TO_LINK); an unknown verified email creates the account.
 */
export class IdentityService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly verifier: ProviderTokenVerifier,
    private readonly sessions: SessionService,
    private readonly rateLimiter: RateLimiter,
    private readonly log: Logger,
  ) {}

  async signIn(
    provider: IdentityProviderName,
    token: string,
    nonce: string | null | undefined,
    meta: RequestMeta,
    fullName?: PersonName | null,
  ): Promise<AuthPayloadModel> {
    await this.rateLimiter.consume('login:ip', meta.ip);
    const identity = await this.verifier.verify(provider, token, nonce);
    try {
      return await this.signInVerified(identity, meta, fullName);
    } catch (error) {
      // Two first sign-ins racing: the loser finds what the winner created.
      if (isUniqueViolation(error)) return this.signInVerified(identity, meta, fullName);
      throw error;
    }
  }

  async link(viewer: Viewer, provider: IdentityProviderName, token: string, nonce: string | null | undefined): Promise<UserEntity> {
    const identity = await this.verifier.verify(provider, token, nonce);
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.findOneBy(IdentityEntity, { provider, subject: identity.subject });
      if (existing && existing.userId !== viewer.user.id) throw new AppError('IDENTITY_IN_USE');
      if (!existing) {
        const other = await manager.findOneBy(IdentityEntity, { provider, userId: viewer.user.id });
        if (other) {
          throw new AppError('BAD_USER_INPUT', `Another ${provider === 'google' ? 'Google' : 'Apple'} account is already linked. Unlink it first.`);
        }
        await this.insertIdentity(manager, viewer.user.id, identity);
        this.log.info({ userId: viewer.user.id, provider }, 'identity linked');
      }
      return manager.findOneByOrFail(UserEntity, { id: viewer.user.id });
    }).catch((error) => {
      if (isUniqueViolation(error)) throw new AppError('IDENTITY_IN_USE');
      throw error;
    });
  }

  async unlink(viewer: Viewer, provider: IdentityProviderName): Promise<UserEntity> {
    return this.dataSource.transaction(async (manager) => {
      const user = await manager.findOne(UserEntity, { where: { id: viewer.user.id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new AppError('UNAUTHENTICATED');
      const identities = await manager.findBy(IdentityEntity, { userId: user.id });
      const target = identities.find((i) => i.provider === provider);
      if (!target) throw new AppError('NOT_FOUND', 'This provider is not linked.');
      if (!user.passwordHash && identities.length === 1) throw new AppError('LAST_SIGN_IN_METHOD');
      await manager.delete(IdentityEntity, target.id);
      this.log.info({ userId: user.id, provider }, 'identity unlinked');
      return user;
    });
  }

  listForUser(userId: string): Promise<IdentityEntity[]> {
    return this.dataSource.getRepository(IdentityEntity).find({ where: { userId }, order: { linkedAt: 'ASC' } });
  }

  private signInVerified(identity: VerifiedIdentity, meta: RequestMeta, fullName?: PersonName | null): Promise<AuthPayloadModel> {
    return this.dataSource.transaction(async (manager) => {
      const known = await manager.findOneBy(IdentityEntity, { provider: identity.provider, subject: identity.subject });
      if (known) {
        if (identity.email && identity.email !== known.email) {
          await manager.update(IdentityEntity, known.id, { email: identity.email, emailVerified: identity.emailVerified });
        }
        const user = await manager.findOneByOrFail(UserEntity, { id: known.userId });
        return this.sessions.open(manager, user, meta);
      }
      if (!identity.email || !identity.emailVerified) throw new AppError('PROVIDER_EMAIL_UNVERIFIED');
      const sameEmail = await manager.findOneBy(UserEntity, { email: identity.email });
      if (sameEmail) {
        if (!sameEmail.emailVerifiedAt) throw new AppError('ACCOUNT_EXISTS_SIGN_IN_TO_LINK');
        const taken = await manager.findOneBy(IdentityEntity, { userId: sameEmail.id, provider: identity.provider });
        if (taken) throw new AppError('ACCOUNT_EXISTS_SIGN_IN_TO_LINK');
        await this.insertIdentity(manager, sameEmail.id, identity);
        this.log.info({ userId: sameEmail.id, provider: identity.provider }, 'identity linked automatically (both emails verified)');
        return this.sessions.open(manager, sameEmail, meta);
      }
      const user = await manager.save(
        manager.create(UserEntity, { email: identity.email, name: displayName(identity, fullName), passwordHash: null, emailVerifiedAt: new Date() }),
      );
      await this.insertIdentity(manager, user.id, identity);
      this.log.info({ userId: user.id, provider: identity.provider }, 'account created with a provider');
      return this.sessions.open(manager, user, meta);
    });
  }

  private async insertIdentity(manager: EntityManager, userId: string, identity: VerifiedIdentity): Promise<void> {
    await manager.insert(IdentityEntity, {
      userId,
      provider: identity.provider,
      subject: identity.subject,
      email: identity.email,
      emailVerified: identity.emailVerified,
    });
  }
}
