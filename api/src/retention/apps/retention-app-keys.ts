import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import { AppError } from '../../platform/errors';
import { parseInput } from '../../platform/validation';
import { newAppId, newPrivateKey, newPublicKeyId, openPrivateKey, sealPrivateKey } from './key-crypto';
import { RetentionAppEntity, RetentionAppKeyEntity } from './retention-app.entities';

export interface AppCredentials {
  app: RetentionAppEntity;
  publicKey: string;
  /** Shown once, to whoever created the key; only its ciphertext is stored. */
  privateKey: string;
}

const appName = z.object({ name: z.string().trim().min(1, 'Give the app a name.').max(80, 'Keep the name under 80 characters.') });

/**
 * Apps and their key pairs: creation, rotation, revocation, and reading a key back for
 * verification. Needs no RetentionService, so the CLI uses it directly.
 */
export class RetentionAppKeys {
  constructor(
    private readonly dataSource: DataSource,
    private readonly encryptionKey: Buffer,
  ) {
    if (encryptionKey.length !== 32) throw new Error('the app-key encryption key must be 32 bytes (AES-256)');
  }

  /** Every app with its keys, oldest first. */
  async list(): Promise<RetentionAppEntity[]> {
    return this.dataSource.getRepository(RetentionAppEntity).find({
      relations: { keys: true },
      order: { createdAt: 'ASC', id: 'ASC', keys: { createdAt: 'ASC', publicKey: 'ASC' } },
    });
  }

  async createApp(rawName: string): Promise<AppCredentials> {
    const { name } = parseInput(appName, { name: rawName });
    const appId = newAppId();
    const { publicKey, privateKey } = await this.dataSource.transaction(async (manager) => {
      await manager.insert(RetentionAppEntity, { id: appId, name });
      return this.insertKey(manager, appId);
    });
    return { app: await this.appWithKeys(appId), publicKey, privateKey };
  }

  /** Another key pair (rotation): older keys keep working until revoked. */
  async createKey(appId: string): Promise<AppCredentials> {
    if (!(await this.findApp(appId))) throw new AppError('NOT_FOUND', 'No such app.');
    const { publicKey, privateKey } = await this.insertKey(this.dataSource.manager, appId);
    return { app: await this.appWithKeys(appId), publicKey, privateKey };
  }

  /** Stops a key from signing anything. Revoking twice keeps the first revocation time. */
  async revokeKey(publicKey: string): Promise<RetentionAppEntity> {
    const key = await this.findKey(publicKey);
    if (!key) throw new AppError('NOT_FOUND', 'No such key.');
    await this.dataSource.getRepository(RetentionAppKeyEntity).update({ publicKey, revokedAt: IsNull() }, { revokedAt: new Date() });
    return this.appWithKeys(key.appId);
  }

  findApp(appId: string): Promise<RetentionAppEntity | null> {
    return this.dataSource.getRepository(RetentionAppEntity).findOneBy({ id: appId });
  }

  findKey(publicKey: string): Promise<RetentionAppKeyEntity | null> {
    return this.dataSource.getRepository(RetentionAppKeyEntity).findOneBy({ publicKey });
  }

  /** The app's keys that may still sign, oldest first. */
  activeKeys(appId: string): Promise<RetentionAppKeyEntity[]> {
    return this.dataSource.getRepository(RetentionAppKeyEntity).find({ where: { appId, revokedAt: IsNull() }, order: { createdAt: 'ASC', publicKey: 'ASC' } });
  }

  /** The private key of a stored key (throws when the ciphertext was not sealed for it with our key). */
  privateKeyOf(key: RetentionAppKeyEntity): string {
    return openPrivateKey(this.encryptionKey, key.publicKey, key.privateKeyEncrypted);
  }

  /** Records that a key just verified a request (for rotation: which keys are still in use). */
  async markUsed(publicKey: string): Promise<void> {
    await this.dataSource.getRepository(RetentionAppKeyEntity).update({ publicKey }, { lastUsedAt: new Date() });
  }

  private async insertKey(manager: EntityManager, appId: string): Promise<{ publicKey: string; privateKey: string }> {
    const publicKey = newPublicKeyId();
    const privateKey = newPrivateKey();
    await manager.insert(RetentionAppKeyEntity, {
      publicKey,
      appId,
      privateKeyEncrypted: sealPrivateKey(this.encryptionKey, publicKey, privateKey),
      lastUsedAt: null,
      revokedAt: null,
    });
    return { publicKey, privateKey };
  }

  private async appWithKeys(appId: string): Promise<RetentionAppEntity> {
    return this.dataSource.getRepository(RetentionAppEntity).findOneOrFail({
      where: { id: appId },
      relations: { keys: true },
      order: { keys: { createdAt: 'ASC', publicKey: 'ASC' } },
    });
  }
}
