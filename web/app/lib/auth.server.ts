import { redirect } from '@remix-run/node';
import {
  MeDocument,
  RefreshSessionDocument,
  type AuthPayloadFieldsFragment,
  type ViewerFieldsFragment,
} from '~/graphql/generated';
import { ApiError, gql, isApiError } from './graphql.server';
import { safeRedirect } from './safe-redirect';
import {
  clearTokens,
  flashNotice,
  getSession,
  readTokens,
  sessionHeaders,
  storeTokens,
  type Notice,
  type SessionTokens,
  type WebSession,
} from './session.server';

// Who is signed in, from the tokens in the cookie session, refreshing them transparently.
//
// The API rotates refresh tokens strictly: presenting an already rotated token is treated as
// theft and ends the whole sign-in. A page load can run several loaders at once, and a browser
// can send several requests with the same cookie, so two requests must never both spend the
// same refresh token. `refreshOnce` shares one refresh per token between concurrent requests
// (and those that arrive shortly after, still carrying the old cookie).

export type Viewer = ViewerFieldsFragment;

/** Refresh when the access token has less than this left, so it cannot expire mid-request. */
const REFRESH_MARGIN_MS = 30_000;
/** How long a finished refresh is remembered for requests still carrying the old token. */
const REFRESH_MEMORY_MS = 30_000;

type RefreshOutcome = { ok: true; payload: AuthPayloadFieldsFragment } | { ok: false; error: ApiError };

const refreshes = new Map<string, Promise<RefreshOutcome>>();

/** Codes meaning "these tokens are no good any more": sign out instead of failing the page. */
const SESSION_ENDED_CODES = ['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'INVALID_TOKEN', 'BAD_USER_INPUT'] as const;

/**
 * Exchanges `refreshToken` for new tokens at most once in this process: concurrent callers
 * (and callers within REFRESH_MEMORY_MS) with the same token get the same outcome.
 * Throws only when the API is unreachable (a 503 Response); that outcome is not remembered.
 */
export function refreshOnce(request: Request, refreshToken: string): Promise<RefreshOutcome> {
  const existing = refreshes.get(refreshToken);
  if (existing) return existing;
  const promise = gql(request, RefreshSessionDocument, { refreshToken }).then(
    (data): RefreshOutcome => ({ ok: true, payload: data.refreshSession }),
    (error: unknown): RefreshOutcome => {
      if (error instanceof ApiError) return { ok: false, error };
      throw error;
    },
  );
  refreshes.set(refreshToken, promise);
  promise.then(
    () => setTimeout(() => refreshes.delete(refreshToken), REFRESH_MEMORY_MS).unref(),
    () => refreshes.delete(refreshToken),
  );
  return promise;
}

export const tokensOf = (payload: AuthPayloadFieldsFragment): SessionTokens => ({
  accessToken: payload.accessToken,
  accessTokenExpiresAt: payload.accessTokenExpiresAt,
  refreshToken: payload.refreshToken,
  refreshTokenExpiresAt: payload.refreshTokenExpiresAt,
  isAdmin: payload.user.isAdmin,
});

const expiresSoon = (isoDate: string) => {
  const at = Date.parse(isoDate);
  return Number.isNaN(at) || at - Date.now() < REFRESH_MARGIN_MS;
};

export interface CurrentUser {
  /** The signed-in user, or null. */
  user: Viewer | null;
  /** The access token to call the API with on the user's behalf (null when signed out). */
  accessToken: string | null;
  /** The cookie session, for flash notices; commit it with sessionHeaders() if you change it. */
  session: WebSession;
  /**
   * Set-Cookie when this call changed the session (tokens refreshed, or a dead sign-in
   * cleared); empty otherwise. The loader/action must return these headers.
   */
  headers: Headers;
  /** True when the cookie carried a sign-in that has ended (revoked, expired, reused). */
  sessionEnded: boolean;
}

export interface SignedInUser extends CurrentUser {
  user: Viewer;
  accessToken: string;
}

async function signedOut(session: WebSession): Promise<CurrentUser> {
  clearTokens(session);
  return { user: null, accessToken: null, session, headers: await sessionHeaders(session), sessionEnded: true };
}

/**
 * The signed-in user, if any. Uses the access token from the cookie and, when it has expired
 * or is about to, refreshes it first (deduplicated, see refreshOnce). A sign-in that has ended
 * is cleared from the cookie. Throws a 503 Response when the API is unreachable.
 */
export async function getUser(request: Request): Promise<CurrentUser> {
  const session = await getSession(request);
  const tokens = readTokens(session);
  if (!tokens) return { user: null, accessToken: null, session, headers: new Headers(), sessionEnded: false };

  const refresh = async (): Promise<CurrentUser> => {
    const outcome = await refreshOnce(request, tokens.refreshToken);
    if (!outcome.ok) {
      if (isApiError(outcome.error, ...SESSION_ENDED_CODES)) return signedOut(session);
      throw outcome.error;
    }
    storeTokens(session, tokensOf(outcome.payload));
    return {
      user: outcome.payload.user,
      accessToken: outcome.payload.accessToken,
      session,
      headers: await sessionHeaders(session),
      sessionEnded: false,
    };
  };

  if (expiresSoon(tokens.accessTokenExpiresAt)) return refresh();

  try {
    const { me } = await gql(request, MeDocument, {}, { accessToken: tokens.accessToken });
    if (!me) return signedOut(session);
    return { user: me, accessToken: tokens.accessToken, session, headers: new Headers(), sessionEnded: false };
  } catch (error) {
    // Our clock said the token was still good; the API's disagrees. Refresh once.
    if (isApiError(error, 'TOKEN_EXPIRED')) return refresh();
    if (isApiError(error, 'UNAUTHENTICATED')) return signedOut(session);
    throw error;
  }
}

/** The path to come back to after signing in: the page itself for GETs, else where the form lives. */
function returnPath(request: Request): string {
  const url = new URL(request.url);
  return request.method === 'GET' || request.method === 'HEAD' ? url.pathname + url.search : url.pathname;
}

/** A redirect to /login that clears the sign-in from the cookie (and says why, when it ended). */
export async function loginRedirect(request: Request, session: WebSession, notice?: Notice): Promise<Response> {
  clearTokens(session);
  if (notice) flashNotice(session, notice);
  const to = safeRedirect(returnPath(request), '');
  const location = to ? `/login?redirectTo=${encodeURIComponent(to)}` : '/login';
  return redirect(location, { headers: await sessionHeaders(session) });
}

const SESSION_ENDED_NOTICE: Notice = { kind: 'info', text: 'Your session has ended. Log in again.' };

/**
 * The signed-in user, or a thrown redirect to /login?redirectTo=<this page> (clearing a
 * sign-in that has ended). Return `headers` from the loader/action: they carry refreshed tokens.
 */
export async function requireUser(request: Request): Promise<SignedInUser> {
  const current = await getUser(request);
  if (!current.user || !current.accessToken) {
    throw await loginRedirect(request, current.session, current.sessionEnded ? SESSION_ENDED_NOTICE : undefined);
  }
  return current as SignedInUser;
}

/**
 * For authenticated API calls in actions: when the API says the sign-in is gone
 * (UNAUTHENTICATED / TOKEN_EXPIRED), throw the redirect to /login; otherwise do nothing.
 */
export async function throwIfSessionEnded(request: Request, session: WebSession, error: unknown): Promise<void> {
  if (isApiError(error, 'UNAUTHENTICATED', 'TOKEN_EXPIRED')) {
    throw await loginRedirect(request, session, SESSION_ENDED_NOTICE);
  }
}

/** For /login and /signup: someone who is (or seems) signed in goes to their account instead. */
export async function requireAnonymous(request: Request): Promise<WebSession> {
  const session = await getSession(request);
  if (readTokens(session)) throw redirect('/account');
  return session;
}

/** Stores a fresh sign-in (signup, login, password change) in the session and redirects. */
export async function signInAndRedirect(
  session: WebSession,
  payload: AuthPayloadFieldsFragment,
  to: string,
  notice?: Notice,
): Promise<Response> {
  storeTokens(session, tokensOf(payload));
  if (notice) flashNotice(session, notice);
  return redirect(to, { headers: await sessionHeaders(session) });
}
