import type { AccountService } from '../../accounts/account.service';
import type { RequestMeta } from '../../accounts/auth-payload';
import type { IdentityService } from '../../accounts/identity/identity.service';
import type { SessionService, Viewer } from '../../accounts/session.service';
import type { AppStoreService } from '../../billing/appstore/appstore.service';
import type { EntitlementsService } from '../../billing/entitlements/entitlements.service';
import type { GrantsService } from '../../billing/entitlements/grants.service';
import type { RetentionService } from '../../retention/retention.service';
import type { FlowConfigService } from '../../retention/flow-config.service';
import type { RetentionAppsService } from '../../retention/apps/retention-apps.service';
import type { RetentionAnalyticsService } from '../../retention/analytics.service';
import type { OutgoingWebhooks } from '../outgoing-webhooks/outgoing-webhooks';
import type { PgPubSub } from '../pubsub/pg-pubsub';
import type { StripeBillingService } from '../../billing/stripe/stripe-billing.service';
import type { SubscriptionsService } from '../../billing/subscriptions.service';
import { AppError } from '../errors';
import type { Logger } from '../logger';

/** The services resolvers may call. Built once in main.ts. */
export interface Services {
  accounts: AccountService;
  sessions: SessionService;
  identities: IdentityService;
  subscriptions: SubscriptionsService;
  entitlements: EntitlementsService;
  grants: GrantsService;
  pubsub: PgPubSub;
  outgoingWebhooks: OutgoingWebhooks;
  retention: RetentionService;
  retentionFlowConfig: FlowConfigService;
  retentionApps: RetentionAppsService;
  retentionAnalytics: RetentionAnalyticsService;
  /** Null when Stripe is not configured. */
  stripeBilling: StripeBillingService | null;
  /** Null when the App Store is not configured. */
  appStore: AppStoreService | null;
}

export interface GraphQLContext {
  requestId: string;
  log: Logger;
  meta: RequestMeta;
  services: Services;
  /** The web app's public base URL (for links such as management URLs). */
  publicWebUrl: string;
  /** The caller, or null when the request carries no credential. Throws on a bad or expired one. */
  viewer(): Promise<Viewer | null>;
  /** The caller; throws UNAUTHENTICATED when there is none. */
  requireViewer(): Promise<Viewer>;
  /** The caller, who must be this user (FORBIDDEN otherwise): for fields only the user may read. */
  requireSelf(userId: string): Promise<Viewer>;
  /** The caller, who must be an admin (FORBIDDEN otherwise). */
  requireAdmin(): Promise<Viewer>;
  /** Computes a value at most once per request (several fields reading the same rows). */
  once<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

/** Builds the per-request context; the access token is verified lazily and at most once. */
export function createContext(args: {
  requestId: string;
  log: Logger;
  meta: RequestMeta;
  services: Services;
  publicWebUrl: string;
  accessToken: string | null;
}): GraphQLContext {
  let viewer: Promise<Viewer | null> | undefined;
  const memo = new Map<string, Promise<unknown>>();
  const requireViewer = async () => {
    const v = await load();
    if (!v) throw new AppError('UNAUTHENTICATED');
    return v;
  };
  const load = () => (viewer ??= args.accessToken ? args.services.sessions.authenticate(args.accessToken) : Promise.resolve(null));
  return {
    requestId: args.requestId,
    log: args.log,
    meta: args.meta,
    services: args.services,
    publicWebUrl: args.publicWebUrl,
    viewer: load,
    requireViewer,
    async requireSelf(userId) {
      const v = await requireViewer();
      if (v.user.id !== userId) throw new AppError('FORBIDDEN');
      return v;
    },
    async requireAdmin() {
      const v = await requireViewer();
      if (v.user.role !== 'admin') throw new AppError('FORBIDDEN', 'Only an admin can do that.');
      return v;
    },
    once<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (!memo.has(key)) memo.set(key, compute());
      return memo.get(key) as Promise<T>;
    },
  };
}

/** `Authorization: Bearer <token>` → token. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}
