import { redirect } from '@remix-run/node';
import { getUser } from '../auth.server';
import { readForm } from '../forms.server';
import { safeRedirect } from '../safe-redirect';
import { flashNotice, getSession, sessionHeaders } from '../session.server';
import { isConfigured, startFlow } from './authenticator.server';
import { PROVIDER_NAMES, type FlowIntent, type Provider } from './flow.server';

// POST /auth/google and /auth/apple: the "Continue with …" and "Link …" buttons. The form
// says `intent` (sign-in | link) and `redirectTo`; the answer is a redirect to the provider.

export async function startProviderAction(provider: Provider, request: Request): Promise<Response> {
  // remix-auth re-reads the request, so the form is read from a copy.
  const form = await readForm(request.clone());
  const intent: FlowIntent = form.get('intent') === 'link' ? 'link' : 'sign-in';
  const redirectTo = safeRedirect(form.get('redirectTo'), '');
  const back = intent === 'link' ? '/account' : '/login';
  const name = PROVIDER_NAMES[provider];

  if (!isConfigured(provider)) {
    const session = await getSession(request);
    flashNotice(session, { kind: 'error', text: `Signing in with ${name} isn’t set up on this server.` });
    return redirect(back, { headers: await sessionHeaders(session) });
  }

  // Linking needs someone signed in; their refreshed tokens (if any) must reach the cookie.
  let headers = new Headers();
  if (intent === 'link') {
    const auth = await getUser(request);
    if (!auth.user) {
      flashNotice(auth.session, { kind: 'info', text: `Log in first, then link ${name} from your account page.` });
      return redirect('/login?redirectTo=%2Faccount', { headers: await sessionHeaders(auth.session) });
    }
    headers = auth.headers;
  }

  try {
    return await startFlow(provider, request, { intent, redirectTo });
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    for (const cookie of headers.getSetCookie()) thrown.headers.append('Set-Cookie', cookie);
    return thrown;
  }
}
