import { redirect } from '@remix-run/node';
import type { Store } from '~/graphql/generated';
import { isStore } from './billing';
import { ApiError, isApiError } from './graphql.server';

// Server-side billing helpers shared by the pay, return and account routes.

/** What the pay page shows instead of the form when the user already has a subscription. */
export interface AlreadySubscribed {
  kind: 'already-subscribed';
  store: Store | null;
  message: string;
}

export const alreadySubscribed = (error: ApiError): AlreadySubscribed => ({
  kind: 'already-subscribed',
  store: isStore(error.details.store) ? error.details.store : null,
  message: error.message,
});

/** Words for billing errors that are not about a form field. */
export function billingErrorMessage(error: ApiError): string {
  switch (error.code) {
    case 'BILLING_UNAVAILABLE':
      return 'Payments are not available right now. Nothing was changed — try again in a few minutes.';
    case 'PAYMENT_FAILED':
      return 'The payment didn’t go through. Update your card with “Manage billing” and try again.';
    case 'NOT_FOUND':
      return 'That subscription was not found. Reload the page and try again.';
    default:
      return error.message;
  }
}

/** A redirect to a Stripe-hosted page (Checkout, billing portal); only https, or http in the sandbox. */
export function redirectToStripe(url: string, headers?: HeadersInit): Response {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`refusing to redirect to ${parsed.protocol} URL`);
  return redirect(parsed.toString(), { headers });
}

/**
 * A 404 to throw from a loader. Pass the loader's `auth.headers`: a refreshed sign-in must
 * reach the browser even on an error page, or its next request would present a spent token.
 */
export const notFound = (what: string, headers?: HeadersInit) =>
  new Response(what, { status: 404, statusText: 'Not Found', headers });

/** For a plan key in the URL: an unknown plan is a 404, not an error page. */
export function throwIfUnknownPlan(error: unknown, headers?: HeadersInit): void {
  if (isApiError(error, 'BAD_USER_INPUT')) throw notFound('No such plan', headers);
}
