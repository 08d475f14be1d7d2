import { redirect, type ActionFunctionArgs } from '@remix-run/node';
import { LogoutDocument } from '~/graphql/generated';
import { gql, isApiError, isServiceUnavailable } from '~/lib/graphql.server';
import { clearTokens, flashNotice, getSession, readTokens, sessionHeaders } from '~/lib/session.server';

// POST only: a GET (a link, a prefetch, an image tag) must never sign anyone out.
export async function loader() {
  return redirect('/');
}

export async function action({ request }: ActionFunctionArgs) {
  const session = await getSession(request);
  const tokens = readTokens(session);
  if (tokens) {
    try {
      await gql(request, LogoutDocument, { refreshToken: tokens.refreshToken });
    } catch (error) {
      // Already ended on the API's side, or the API is down: either way this browser is
      // signed out below; the refresh token expires on its own if the API never heard of it.
      if (isServiceUnavailable(error)) console.warn('[web] logout: API unavailable, cleared the cookie only');
      else if (!isApiError(error)) throw error;
    }
  }
  clearTokens(session);
  flashNotice(session, { kind: 'info', text: 'You are logged out.' });
  return redirect('/', { headers: await sessionHeaders(session) });
}
