import { redirect } from '@remix-run/node';
import {
  LinkAppleIdentityDocument,
  LinkGoogleIdentityDocument,
  SignInWithAppleDocument,
  SignInWithGoogleDocument,
  type AuthPayloadFieldsFragment,
  type IdentityFieldsFragment,
} from '~/graphql/generated';
import { getUser, signInAndRedirect } from '../auth.server';
import { rateLimitMessage } from '../forms.server';
import { ApiError, gql, isApiError } from '../graphql.server';
import { clearTokens, flashNotice, getSession, sessionHeaders, type Notice } from '../session.server';
import { finishFlow, forgetFlow } from './authenticator.server';
import { PROVIDER_NAMES, type FlowIntent, type Provider } from './flow.server';
import { FlowFailure, type ProviderResult } from './result';

// The end of every Google/Apple flow, on a same-site GET: the provider's ID token goes to the
// API (sign in, or link to the signed-in account), and every way it can fail becomes a notice
// on the page the person came from: /login for sign-in, /account for linking.

/** Where a failed flow lands. */
const failurePage = (intent: FlowIntent | null, redirectTo = '') =>
  intent === 'link' ? '/account' : redirectTo ? `/login?redirectTo=${encodeURIComponent(redirectTo)}` : '/login';

export function flowFailureNotice(failure: FlowFailure): Notice {
  const name = PROVIDER_NAMES[failure.provider];
  const linking = failure.intent === 'link';
  switch (failure.kind) {
    case 'cancelled':
      return { kind: 'info', text: linking ? `${name} was not linked: you cancelled on ${name}’s page.` : `You cancelled signing in with ${name}.` };
    case 'expired':
      return { kind: 'error', text: `Signing in with ${name} took too long. Try again.` };
    case 'invalid-state':
      return {
        kind: 'error',
        text: `We couldn’t finish signing in with ${name} in this browser. Start again here (and allow cookies for this site).`,
      };
    case 'provider-error':
      return { kind: 'error', text: `${name} couldn’t complete the sign-in. Try again in a moment.` };
  }
}

/** The notice for an API error from signInWith… / link…Identity / unlinkIdentity. */
export function identityErrorNotice(error: ApiError, provider: Provider): Notice {
  const name = PROVIDER_NAMES[provider];
  switch (error.code) {
    case 'ACCOUNT_EXISTS_SIGN_IN_TO_LINK':
      return {
        kind: 'info',
        text: `An account with this email address already exists. Log in with your password, then link ${name} from your account page.`,
      };
    case 'IDENTITY_IN_USE':
      return { kind: 'error', text: `This ${name} account is already linked to another Crossbill account. Log in to that account to use it, or unlink it there first.` };
    case 'PROVIDER_EMAIL_UNVERIFIED':
      return {
        kind: 'error',
        text: `${name} hasn’t verified the email address of that account, so it can’t be used here. Verify it with ${name}, or log in with your password.`,
      };
    case 'PROVIDER_NOT_CONFIGURED':
      return { kind: 'error', text: `Signing in with ${name} isn’t available right now.` };
    case 'INVALID_TOKEN':
      return { kind: 'error', text: `We couldn’t verify the sign-in from ${name}. Try again.` };
    case 'LAST_SIGN_IN_METHOD':
      return {
        kind: 'error',
        text: `${name} is your only way to sign in, so it can’t be unlinked. Set a password (“Forgot your password?” on the log-in page sends a link) or link another provider first.`,
      };
    case 'RATE_LIMITED':
      return { kind: 'error', text: rateLimitMessage(error.retryAfterSeconds) };
    default:
      return { kind: 'error', text: error.message };
  }
}

async function withFlowCleared(response: Response, provider: Provider, request: Request): Promise<Response> {
  response.headers.append('Set-Cookie', await forgetFlow(provider, request));
  return response;
}

async function redirectWithNotice(request: Request, to: string, notice: Notice): Promise<Response> {
  const session = await getSession(request);
  flashNotice(session, notice);
  return redirect(to, { headers: await sessionHeaders(session) });
}

const linkedEmail = (identities: IdentityFieldsFragment[], provider: Provider) =>
  identities.find((i) => i.provider === provider.toUpperCase())?.email ?? null;

/**
 * Finishes `provider`'s flow for the callback GET: sign in (→ redirectTo or /account) or link
 * (→ /account), with a notice for every failure. Always returns a redirect.
 */
export async function completeProviderFlow(provider: Provider, request: Request): Promise<Response> {
  const outcome = await finishFlow(provider, request);
  if (outcome instanceof FlowFailure) {
    console.info(`[web] ${provider} flow ended without a token: ${outcome.kind} (${outcome.message})`);
    const response = await redirectWithNotice(request, failurePage(outcome.intent), flowFailureNotice(outcome));
    return withFlowCleared(response, provider, request);
  }
  const response = outcome.intent === 'link' ? await link(request, outcome) : await signIn(request, outcome);
  return withFlowCleared(response, provider, request);
}

async function signIn(request: Request, result: ProviderResult): Promise<Response> {
  let payload: AuthPayloadFieldsFragment;
  try {
    payload =
      result.provider === 'google'
        ? (await gql(request, SignInWithGoogleDocument, { idToken: result.idToken, nonce: result.nonce })).signInWithGoogle
        : (
            await gql(request, SignInWithAppleDocument, {
              identityToken: result.idToken,
              nonce: result.nonce,
              fullName: result.fullName,
            })
          ).signInWithApple;
  } catch (error) {
    if (!isApiError(error)) throw error;
    return redirectWithNotice(request, failurePage('sign-in', result.redirectTo), identityErrorNotice(error, result.provider));
  }
  const session = await getSession(request);
  return signInAndRedirect(session, payload, result.redirectTo || '/account');
}

async function link(request: Request, result: ProviderResult): Promise<Response> {
  const name = PROVIDER_NAMES[result.provider];
  const auth = await getUser(request);
  if (!auth.user || !auth.accessToken) {
    // Signed out while on the provider's page: start again after logging in.
    return redirectWithNotice(request, '/login?redirectTo=%2Faccount', {
      kind: 'info',
      text: `Log in again, then link ${name} from your account page.`,
    });
  }
  const { session, accessToken } = auth;
  try {
    const identities =
      result.provider === 'google'
        ? (await gql(request, LinkGoogleIdentityDocument, { idToken: result.idToken, nonce: result.nonce }, { accessToken })).linkGoogleIdentity
            .identities
        : (await gql(request, LinkAppleIdentityDocument, { identityToken: result.idToken, nonce: result.nonce }, { accessToken }))
            .linkAppleIdentity.identities;
    const email = linkedEmail(identities, result.provider);
    flashNotice(session, {
      kind: 'success',
      text: `${name}${email ? ` (${email})` : ''} is linked. You can now sign in with ${name}.`,
    });
  } catch (error) {
    if (!isApiError(error)) throw error;
    if (isApiError(error, 'UNAUTHENTICATED', 'TOKEN_EXPIRED')) {
      clearTokens(session);
      flashNotice(session, { kind: 'info', text: `Your session has ended. Log in again, then link ${name} from your account page.` });
      return redirect('/login?redirectTo=%2Faccount', { headers: await sessionHeaders(session) });
    }
    flashNotice(session, identityErrorNotice(error, result.provider));
  }
  return redirect('/account', { headers: await sessionHeaders(session) });
}
