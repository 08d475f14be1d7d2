import type { DataSource } from 'typeorm';
import type { Logger } from '../../platform/logger';
import type { CancelSessionStart, RetentionService } from '../retention.service';
import type { RetentionAppEntity } from './retention-app.entities';

export interface AppCredentials {
  app: RetentionAppEntity;
  publicKey: string;
  privateKey: string;
}

/** The JS embed's positional (Vibess-style) start, as the GraphQL input carries it. */
export interface EmbedStartInput {
  appId: string;
  customerId?: string | null;
  subscriptionId?: string | null;
  email?: string | null;
  hmac: string;
  expiresAt: string;
  mode: 'live' | 'test';
}

/** What POST /api/precancel answers. */
export interface PrecancelResponse {
  status: number;
  body: { valid: boolean; message: string };
}

/** Apps and their key pairs; starting cancel flows from an app's signature. SKELETON: implemented by the apps work. */
export class RetentionAppsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly retention: RetentionService,
    private readonly options: { encryptionKey: Buffer },
    private readonly log: Logger,
  ) {}

  async list(): Promise<RetentionAppEntity[]> {
    void [this.dataSource, this.retention, this.options, this.log];
    throw new Error('not implemented');
  }

  async createApp(_name: string): Promise<AppCredentials> {
    throw new Error('not implemented');
  }

  async createKey(_appId: string): Promise<AppCredentials> {
    throw new Error('not implemented');
  }

  async revokeKey(_publicKey: string): Promise<RetentionAppEntity> {
    throw new Error('not implemented');
  }

  async startFromEmbed(_input: EmbedStartInput): Promise<CancelSessionStart> {
    throw new Error('not implemented');
  }

  async precancel(_rawBody: Buffer, _headers: { signature: string | undefined; publicKey: string | undefined }): Promise<PrecancelResponse> {
    throw new Error('not implemented');
  }
}
