import type { AccountService } from '../../accounts/account.service';
import type { RequestMeta } from '../../accounts/auth-payload';
import type { SessionService, Viewer } from '../../accounts/session.service';
import { AppError } from '../errors';
import type { Logger } from '../logger';

/** The services resolvers may call. Built once in main.ts. */
export interface Services {
  accounts: AccountService;
  sessions: SessionService;
}

export interface GraphQLContext {
  requestId: string;
  log: Logger;
  meta: RequestMeta;
  services: Services;
  /** The caller, or null when the request carries no credential. Throws on a bad or expired one. */
  viewer(): Promise<Viewer | null>;
  /** The caller; throws UNAUTHENTICATED when there is none. */
  requireViewer(): Promise<Viewer>;
}

/** Builds the per-request context; the access token is verified lazily and at most once. */
export function createContext(args: {
  requestId: string;
  log: Logger;
  meta: RequestMeta;
  services: Services;
  accessToken: string | null;
}): GraphQLContext {
  let viewer: Promise<Viewer | null> | undefined;
  const load = () => (viewer ??= args.accessToken ? args.services.sessions.authenticate(args.accessToken) : Promise.resolve(null));
  return {
    requestId: args.requestId,
    log: args.log,
    meta: args.meta,
    services: args.services,
    viewer: load,
    async requireViewer() {
      const v = await load();
      if (!v) throw new AppError('UNAUTHENTICATED');
      return v;
    },
  };
}

/** `Authorization: Bearer <token>` → token. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}
