import { IsNull, MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { AppError } from '../platform/errors';
import { isUniqueViolation } from '../platform/db/postgres-errors';
import type { Logger } from '../platform/logger';
import type { Mailer } from '../platform/mail/mailer';
import type { RateLimiter, RateLimitRule } from '../platform/rate-limit/rate-limiter';
import { parseInput } from '../platform/validation';
import { passwordChangedMail, passwordResetMail, verificationMail } from './account-mails';
import { changePasswordInput, emailInput, loginInput, resetPasswordInput, signupInput, tokenInput } from './account-inputs';
import type { AuthPayloadModel, RequestMeta } from './auth-payload';
import { OneTimeTokenEntity, type OneTimeTokenPurpose } from './one-time-token.entity';
import type { PasswordHasher } from './passwords';
import { hashSecretToken, newSecretToken } from './secret-tokens';
import type { SessionService, Viewer } from './session.service';
import { UserEntity } from './user.entity';

const VERIFY_EMAIL_TTL_HOURS = 24;
const RESET_PASSWORD_TTL_MINUTES = 60;

export interface AccountRateLimits {
  loginPerIp: number;
  loginPerAccount: number;
  signupPerIp: number;
  emailPerIp: number;
  emailPerAccount: number;
}

/** The rate-limit buckets this service uses, for the platform's RateLimiter. */
export function accountRateLimitRules(limits: AccountRateLimits): Record<string, RateLimitRule> {
  const quarterHour = 15 * 60;
  const hour = 60 * 60;
  return {
    'login:ip': { points: limits.loginPerIp, windowSeconds: quarterHour },
    'login:account': { points: limits.loginPerAccount, windowSeconds: quarterHour },
    'signup:ip': { points: limits.signupPerIp, windowSeconds: hour },
    'email:ip': { points: limits.emailPerIp, windowSeconds: hour },
    'email:account': { points: limits.emailPerAccount, windowSeconds: hour },
  };
}


/** Email + password accounts: sign-up, sign-in, password changes and resets, email verification. */
export class AccountService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sessions: SessionService,
    private readonly passwords: PasswordHasher,
    private readonly mailer: Mailer,
    private readonly rateLimiter: RateLimiter,
    private readonly options: { publicWebUrl: string },
    private readonly log: Logger,
  ) {}

  async signup(rawInput: unknown, meta: RequestMeta): Promise<AuthPayloadModel> {
    const input = parseInput(signupInput, rawInput);
    await this.rateLimiter.consume('signup:ip', meta.ip);
    const passwordHash = await this.passwords.hash(input.password);
    try {
      const payload = await this.dataSource.transaction(async (manager) => {
        const user = await manager.save(
          manager.create(UserEntity, { email: input.email, name: input.name, passwordHash, emailVerifiedAt: null }),
        );
        await this.sendVerification(manager, user);
        return this.sessions.open(manager, user, meta);
      });
      this.mailer.kick();
      this.log.info({ userId: payload.user.id }, 'account created');
      return payload;
    } catch (error) {
      // Signing up signs you in, so an existing address cannot be hidden here; the signup
      // rate limit keeps this from being a fast way to test addresses.
      if (isUniqueViolation(error)) throw new AppError('EMAIL_TAKEN', undefined, { fields: [{ field: 'email', message: 'An account with this email already exists.' }] });
      throw error;
    }
  }

  async login(rawInput: unknown, meta: RequestMeta): Promise<AuthPayloadModel> {
    const input = parseInput(loginInput, rawInput);
    await this.rateLimiter.consume('login:ip', meta.ip);
    // Keyed on the address whether or not it has an account, so the limit reveals nothing.
    await this.rateLimiter.consume('login:account', input.email);
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ email: input.email });
    // verify() spends the same argon2 time when there is no user or no password.
    const ok = await this.passwords.verify(user?.passwordHash ?? null, input.password);
    if (!user || !ok) throw new AppError('INVALID_CREDENTIALS');
    await this.rateLimiter.reset('login:account', input.email);
    return this.dataSource.transaction((manager) => this.sessions.open(manager, user, meta));
  }

  async changePassword(viewer: Viewer, rawInput: unknown, meta: RequestMeta): Promise<AuthPayloadModel> {
    const input = parseInput(changePasswordInput, rawInput);
    await this.rateLimiter.consume('login:account', viewer.user.email);
    const user = await this.dataSource.getRepository(UserEntity).findOneByOrFail({ id: viewer.user.id });
    if (!(await this.passwords.verify(user.passwordHash, input.currentPassword))) {
      throw new AppError('INVALID_CREDENTIALS', 'The current password is not correct.', {
        fields: [{ field: 'currentPassword', message: 'The current password is not correct.' }],
      });
    }
    const passwordHash = await this.passwords.hash(input.newPassword);
    const payload = await this.dataSource.transaction(async (manager) => {
      await manager.update(UserEntity, user.id, { passwordHash });
      await this.sessions.revokeAllForUser(manager, user.id, 'password_changed');
      await this.mailer.enqueue(manager, passwordChangedMail(user.email, user.name));
      return this.sessions.open(manager, { ...user, passwordHash }, meta);
    });
    this.mailer.kick();
    return payload;
  }

  async logoutEverywhere(viewer: Viewer): Promise<void> {
    const ended = await this.sessions.revokeAllForUser(this.dataSource.manager, viewer.user.id, 'logout_everywhere');
    this.log.info({ userId: viewer.user.id, ended }, 'signed out everywhere');
  }

  async requestEmailVerification(viewer: Viewer, meta: RequestMeta): Promise<void> {
    await this.rateLimiter.consume('email:ip', meta.ip);
    await this.rateLimiter.consume('email:account', viewer.user.id);
    const user = await this.dataSource.getRepository(UserEntity).findOneByOrFail({ id: viewer.user.id });
    if (user.emailVerifiedAt) return;
    await this.dataSource.transaction((manager) => this.sendVerification(manager, user));
    this.mailer.kick();
  }

  async verifyEmail(rawToken: unknown): Promise<UserEntity> {
    const { token } = parseInput(tokenInput, { token: rawToken });
    return this.dataSource.transaction(async (manager) => {
      const record = await this.takeToken(manager, token, 'verify_email');
      const user = await manager.findOneOrFail(UserEntity, { where: { id: record.userId }, lock: { mode: 'pessimistic_write' } });
      // The token proves the address it was sent to; if the account's address changed since, it proves nothing.
      if (user.email !== record.email) throw new AppError('INVALID_TOKEN');
      if (!user.emailVerifiedAt) {
        user.emailVerifiedAt = new Date();
        await manager.update(UserEntity, user.id, { emailVerifiedAt: user.emailVerifiedAt });
      }
      return user;
    });
  }

  /**
   * Always answers the same way and at the same speed: the work (look-up, token, mail) runs
   * after the answer, so neither the reply nor its timing says whether the address has an account.
   */
  async requestPasswordReset(rawEmail: unknown, meta: RequestMeta): Promise<void> {
    const { email } = parseInput(emailInput, { email: rawEmail });
    await this.rateLimiter.consume('email:ip', meta.ip);
    await this.rateLimiter.consume('email:account', email);
    setImmediate(() => {
      this.sendPasswordReset(email).catch((error) => this.log.error({ err: error }, 'password reset mail failed'));
    });
  }

  async resetPassword(rawToken: unknown, rawPassword: unknown): Promise<void> {
    const input = parseInput(resetPasswordInput, { token: rawToken, newPassword: rawPassword });
    // Hash first (slow) so the transaction holding the token row stays short.
    const passwordHash = await this.passwords.hash(input.newPassword);
    await this.dataSource.transaction(async (manager) => {
      const record = await this.takeToken(manager, input.token, 'reset_password');
      const user = await manager.findOneByOrFail(UserEntity, { id: record.userId });
      // Receiving the reset mail proves the address, as a verification mail would.
      const provesEmail = user.email === record.email && !user.emailVerifiedAt;
      await manager.update(UserEntity, user.id, { passwordHash, ...(provesEmail ? { emailVerifiedAt: new Date() } : {}) });
      await manager.update(OneTimeTokenEntity, { userId: user.id, purpose: 'reset_password', usedAt: IsNull() }, { usedAt: new Date() });
      await this.sessions.revokeAllForUser(manager, user.id, 'password_reset');
      await this.mailer.enqueue(manager, passwordChangedMail(user.email, user.name));
    });
    this.mailer.kick();
  }

  private async sendPasswordReset(email: string): Promise<void> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ email });
    if (!user) {
      this.log.info('password reset requested for an address without an account');
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      const token = await this.newToken(manager, user, 'reset_password', RESET_PASSWORD_TTL_MINUTES * 60);
      const url = `${this.options.publicWebUrl}/reset-password?token=${encodeURIComponent(token)}`;
      await this.mailer.enqueue(manager, passwordResetMail(user.email, url, RESET_PASSWORD_TTL_MINUTES));
    });
    this.mailer.kick();
  }

  private async sendVerification(manager: EntityManager, user: UserEntity): Promise<void> {
    const token = await this.newToken(manager, user, 'verify_email', VERIFY_EMAIL_TTL_HOURS * 3600);
    const url = `${this.options.publicWebUrl}/verify-email?token=${encodeURIComponent(token)}`;
    await this.mailer.enqueue(manager, verificationMail(user.email, user.name, url, VERIFY_EMAIL_TTL_HOURS));
  }

  /** A new token replaces any unused one of the same purpose: only the latest mail works. */
  private async newToken(manager: EntityManager, user: UserEntity, purpose: OneTimeTokenPurpose, ttlSeconds: number): Promise<string> {
    await manager.update(OneTimeTokenEntity, { userId: user.id, purpose, usedAt: IsNull() }, { usedAt: new Date() });
    const token = newSecretToken(purpose === 'verify_email' ? 'cbv' : 'cbp');
    await manager.insert(OneTimeTokenEntity, {
      userId: user.id,
      purpose,
      tokenHash: hashSecretToken(token),
      email: user.email,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
      usedAt: null,
    });
    return token;
  }

  /** Finds an unused, unexpired token of the purpose and marks it used (locked, so it works once). */
  private async takeToken(manager: EntityManager, token: string, purpose: OneTimeTokenPurpose): Promise<OneTimeTokenEntity> {
    const record = await manager.findOne(OneTimeTokenEntity, {
      where: { tokenHash: hashSecretToken(token), purpose, usedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      lock: { mode: 'pessimistic_write' },
    });
    if (!record) throw new AppError('INVALID_TOKEN');
    await manager.update(OneTimeTokenEntity, record.id, { usedAt: new Date() });
    return record;
  }
}
