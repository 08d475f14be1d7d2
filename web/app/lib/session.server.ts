import { createCookieSessionStorage, type Session } from '@remix-run/node';
import { env } from './env.server';

// The API's tokens live only here: in a signed, httpOnly, SameSite=Lax cookie that the
// browser stores and sends back but cannot read (and page scripts cannot touch).

export interface SessionTokens {
  accessToken: string;
  /** ISO-8601 */
  accessTokenExpiresAt: string;
  refreshToken: string;
  /** ISO-8601 */
  refreshTokenExpiresAt: string;
  /**
   * The user's admin role as the API reported it with these tokens. Only for showing the Admin
   * link without an API call per page (fresh at every token refresh); admin pages and the API
   * check the role themselves.
   */
  isAdmin: boolean;
}

export type NoticeKind = 'success' | 'info' | 'error';
export interface Notice {
  kind: NoticeKind;
  text: string;
}

interface SessionData extends Partial<SessionTokens> {}
interface SessionFlashData {
  notice: Notice;
}

export type WebSession = Session<SessionData, SessionFlashData>;

const storage = createCookieSessionStorage<SessionData, SessionFlashData>({
  cookie: {
    name: '__session',
    httpOnly: true,
    sameSite: 'lax',
    secure: env.isProduction,
    path: '/',
    secrets: env.sessionSecrets,
  },
});

export function getSession(request: Request): Promise<WebSession> {
  return storage.getSession(request.headers.get('Cookie'));
}

export function readTokens(session: WebSession): SessionTokens | null {
  const accessToken = session.get('accessToken');
  const accessTokenExpiresAt = session.get('accessTokenExpiresAt');
  const refreshToken = session.get('refreshToken');
  const refreshTokenExpiresAt = session.get('refreshTokenExpiresAt');
  if (!accessToken || !accessTokenExpiresAt || !refreshToken || !refreshTokenExpiresAt) return null;
  return { accessToken, accessTokenExpiresAt, refreshToken, refreshTokenExpiresAt, isAdmin: session.get('isAdmin') === true };
}

export function storeTokens(session: WebSession, tokens: SessionTokens): void {
  session.set('accessToken', tokens.accessToken);
  session.set('accessTokenExpiresAt', tokens.accessTokenExpiresAt);
  session.set('refreshToken', tokens.refreshToken);
  session.set('refreshTokenExpiresAt', tokens.refreshTokenExpiresAt);
  session.set('isAdmin', tokens.isAdmin);
}

export function clearTokens(session: WebSession): void {
  session.unset('accessToken');
  session.unset('accessTokenExpiresAt');
  session.unset('refreshToken');
  session.unset('refreshTokenExpiresAt');
  session.unset('isAdmin');
}

/** True when the cookie carries tokens (not whether they still work: see auth.server.ts). */
export function hasTokens(session: WebSession): boolean {
  return readTokens(session) !== null;
}

export function flashNotice(session: WebSession, notice: Notice): void {
  session.flash('notice', notice);
}

/** Reads (and so consumes) the one-time notice; commit the session afterwards. */
export function takeNotice(session: WebSession): Notice | null {
  return session.get('notice') ?? null;
}

/**
 * The Set-Cookie header for the session's current state. A signed-in cookie lives as long as
 * the refresh token; a signed-out one (only a notice, say) until the browser closes.
 */
export async function commitSession(session: WebSession): Promise<string> {
  const refreshExpires = session.get('refreshTokenExpiresAt');
  const expires = refreshExpires ? new Date(refreshExpires) : undefined;
  return storage.commitSession(session, expires && !Number.isNaN(expires.getTime()) ? { expires } : {});
}

export function destroySession(session: WebSession): Promise<string> {
  return storage.destroySession(session);
}

/** `{ 'Set-Cookie': … }` for the session's current state, for `data()` / `redirect()`. */
export async function sessionHeaders(session: WebSession): Promise<Headers> {
  return new Headers({ 'Set-Cookie': await commitSession(session) });
}

/**
 * Takes the one-time notice (if any) and returns it with headers to send: `base` plus, when a
 * notice was consumed, the Set-Cookie that forgets it (it replaces any Set-Cookie in `base`,
 * since the session object already holds everything `base` wrote).
 */
export async function popNotice(session: WebSession, base?: Headers): Promise<{ notice: Notice | null; headers: Headers }> {
  const notice = takeNotice(session);
  const headers = new Headers(base);
  if (notice) headers.set('Set-Cookie', await commitSession(session));
  return { notice, headers };
}
