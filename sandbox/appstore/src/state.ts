/**
 * Everything the sandbox keeps: the certificate chain and keys, the In-App Purchase (Server API) key,
 * id counters, subscriptions with their transactions, and every notification with its send attempts.
 * In memory, or in `${stateDir}/state.json` (plus `root.cer` and the `.p8` key beside it for
 * convenience) when a state directory is given.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoredChain, generateChain } from './certs';

export type SubscriptionState = 'active' | 'billing_retry' | 'grace_period' | 'expired' | 'revoked';

/** The stored part of a transaction; bundleId, environment and signedDate are added when signing. */
export interface TransactionRecord {
  transactionId: string;
  originalTransactionId: string;
  webOrderLineItemId: string;
  productId: string;
  subscriptionGroupIdentifier: string;
  purchaseDate: number;
  originalPurchaseDate: number;
  expiresDate: number;
  quantity: 1;
  type: 'Auto-Renewable Subscription';
  appAccountToken?: string;
  inAppOwnershipType: 'PURCHASED' | 'FAMILY_SHARED';
  transactionReason: 'PURCHASE' | 'RENEWAL';
  storefront: string;
  storefrontId: string;
  price: number;
  currency: string;
  revocationDate?: number;
  /** 0 = refunded for another reason, 1 = refunded due to an issue in the app. */
  revocationReason?: 0 | 1;
  revocationType?: 'REFUND_FULL' | 'REFUND_PRORATED' | 'FAMILY_REVOKE';
  isUpgraded?: true;
}

export interface SubscriptionRecord {
  originalTransactionId: string;
  appAccountToken?: string;
  familyShared: boolean;
  state: SubscriptionState;
  autoRenewStatus: 0 | 1;
  autoRenewProductId: string;
  gracePeriodExpiresDate?: number;
  /** 1 customer cancelled, 2 billing error, … (set on failure / expiry). */
  expirationIntent?: number;
  recentSubscriptionStartDate: number;
  /** Oldest first. */
  transactions: TransactionRecord[];
}

export type SendAttemptResult = 'SUCCESS' | 'UNSUCCESSFUL_HTTP_RESPONSE_CODE' | 'TIMED_OUT' | 'NO_RESPONSE' | 'SOCKET_ISSUE' | 'OTHER';

export interface NotificationRecord {
  notificationUUID: string;
  notificationType: string;
  subtype?: string;
  signedDate: number;
  originalTransactionId?: string;
  transactionId?: string;
  signedPayload: string;
  /** Where it was sent (none when no notification URL was configured). */
  url?: string;
  sendAttempts: { attemptDate: number; sendAttemptResult: SendAttemptResult }[];
  delivered: boolean;
  /** For TEST notifications requested through the Server API. */
  testNotificationToken?: string;
}

export interface ServerApiKey {
  issuerId: string;
  keyId: string;
  /** PKCS#8 PEM, EC P-256, like the `.p8` App Store Connect hands out. */
  privateKeyPem: string;
}

interface StateFile {
  version: 1;
  chain: StoredChain;
  serverApi: ServerApiKey;
  nextTransactionId: number;
  nextWebOrderLineItemId: number;
  subscriptions: SubscriptionRecord[];
  notifications: NotificationRecord[];
}

const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function newServerApiKey(): ServerApiKey {
  const keyId = [...randomBytes(10)].map((b) => KEY_ID_ALPHABET[b % KEY_ID_ALPHABET.length]).join('');
  return {
    issuerId: randomUUID(),
    keyId,
    privateKeyPem: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
  };
}

export class AppStoreState {
  private data!: StateFile;

  private constructor(private readonly dir?: string) {}

  static async open(dir?: string): Promise<AppStoreState> {
    const state = new AppStoreState(dir);
    const file = dir ? join(dir, 'state.json') : undefined;
    if (file && existsSync(file)) {
      state.data = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
      if (state.data.version !== 1) throw new Error(`${file}: unsupported state version ${String(state.data.version)}`);
      createPrivateKey(state.data.serverApi.privateKeyPem); // fail early on a damaged file
    } else {
      // Ids are 16 digits like Apple's sandbox ids; seeded from the clock so a fresh in-memory sandbox
      // never reuses the ids an earlier run handed to a database that outlived it.
      const seed = (Date.now() % 1e12) * 1000 + randomInt(1000);
      state.data = {
        version: 1,
        chain: await generateChain(),
        serverApi: newServerApiKey(),
        nextTransactionId: 2e15 + seed,
        nextWebOrderLineItemId: 1e15 + seed,
        subscriptions: [],
        notifications: [],
      };
      state.save();
    }
    state.writeConveniences();
    return state;
  }

  get chain(): StoredChain {
    return this.data.chain;
  }

  get serverApi(): ServerApiKey {
    return this.data.serverApi;
  }

  get subscriptions(): SubscriptionRecord[] {
    return this.data.subscriptions;
  }

  get notifications(): NotificationRecord[] {
    return this.data.notifications;
  }

  nextTransactionId(): string {
    return String(this.data.nextTransactionId++);
  }

  nextWebOrderLineItemId(): string {
    return String(this.data.nextWebOrderLineItemId++);
  }

  subscription(originalTransactionId: string): SubscriptionRecord | undefined {
    return this.data.subscriptions.find((s) => s.originalTransactionId === originalTransactionId);
  }

  /** The subscription one of whose transactions has this id. */
  subscriptionOfTransaction(transactionId: string): { subscription: SubscriptionRecord; transaction: TransactionRecord } | undefined {
    for (const subscription of this.data.subscriptions) {
      const transaction = subscription.transactions.find((t) => t.transactionId === transactionId);
      if (transaction) return { subscription, transaction };
    }
    return undefined;
  }

  save(): void {
    if (!this.dir) return;
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, 'state.json');
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    renameSync(tmp, file);
  }

  /** `root.cer` (DER, what the API trusts in sandbox mode) and the Server API key as Apple's `.p8`. */
  private writeConveniences(): void {
    if (!this.dir) return;
    const rootDer = Buffer.from(this.data.chain.root.cert.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    writeFileSync(join(this.dir, 'root.cer'), rootDer);
    writeFileSync(join(this.dir, `SubscriptionKey_${this.data.serverApi.keyId}.p8`), this.data.serverApi.privateKeyPem, { mode: 0o600 });
  }
}
