import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { AdminViewerDocument } from '~/graphql/generated';
import { requireUser, throwIfSessionEnded, type SignedInUser } from '~/lib/auth.server';
import { gql, isApiError } from '~/lib/graphql.server';
import type { WebSession } from '~/lib/session.server';

// The admin pages' guard and API calls. Who may use them is the API's call (`me.isAdmin`,
// FORBIDDEN on admin-only operations); the web only turns its answer into pages: signed out →
// /login, signed in but not an admin → 404 (the pages do not admit they exist).

/** The 404 every admin page answers to someone who is not an admin. */
export const notFound = () => new Response('Not Found', { status: 404, statusText: 'Not Found' });

/** The signed-in admin, or a thrown redirect to /login (signed out) or 404 (not an admin). */
export async function requireAdmin(request: Request): Promise<SignedInUser> {
  const auth = await requireUser(request);
  const { me } = await adminGql(request, auth, AdminViewerDocument, {});
  if (!me?.isAdmin) throw notFound();
  return auth;
}

/**
 * One admin-only operation on the admin's behalf: FORBIDDEN becomes the 404 page, an ended
 * sign-in the redirect to /login; other API errors are thrown as ApiError for the caller.
 */
export async function adminGql<TData, TVariables extends Record<string, unknown>>(
  request: Request,
  auth: { accessToken: string; session: WebSession },
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<TData> {
  try {
    return await gql(request, document, variables, { accessToken: auth.accessToken });
  } catch (error) {
    await throwIfSessionEnded(request, auth.session, error);
    if (isApiError(error, 'FORBIDDEN')) throw notFound();
    throw error;
  }
}
