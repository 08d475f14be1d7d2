import { data, redirect } from '@remix-run/node';
import type { LinkedIdentity, SignInMethodsData, UnlinkResult } from '~/components/SignInMethods';
import { MySignInMethodsDocument, UnlinkIdentityDocument, type IdentityProvider } from '~/graphql/generated';
import { throwIfSessionEnded, type SignedInUser } from './auth.server';
import { formValues } from './forms.server';
import { ApiError, gql, isApiError } from './graphql.server';
import { availableProviders, type ProviderAvailability } from './oauth/authenticator.server';
import { identityErrorNotice } from './oauth/complete.server';
import { PROVIDER_NAMES, type Provider } from './oauth/flow.server';
import { flashNotice, sessionHeaders } from './session.server';
import type { SignInMethodIntent } from './sign-in-methods';

// The account page's "Sign-in methods" section: what its loader reads and what its unlink forms
// do (linking starts at POST /auth/<provider> with intent=link).

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

export interface SignInMethodsSection {
  methods: SignInMethodsData | null;
  problem: string | null;
  providers: ProviderAvailability;
}

/** Password and linked providers; a failure becomes a message in the section, not an error page. */
export async function loadSignInMethods(request: Request, accessToken: string): Promise<SignInMethodsSection> {
  const providers = availableProviders();
  try {
    const { me } = await gql(request, MySignInMethodsDocument, {}, { accessToken });
    if (!me) return { methods: null, problem: null, providers };
    const identities: LinkedIdentity[] = me.identities.map((i) => ({
      provider: i.provider === 'GOOGLE' ? 'google' : 'apple',
      email: i.email,
      linkedOn: dateFormat.format(new Date(i.linkedAt)),
    }));
    return { methods: { hasPassword: me.hasPassword, identities }, problem: null, providers };
  } catch (error) {
    if (!(error instanceof ApiError) || ['UNAUTHENTICATED', 'TOKEN_EXPIRED'].includes(error.code)) throw error;
    console.warn(`[web] sign-in methods unavailable: ${error.code} ${error.message}`);
    return { methods: null, problem: 'Your sign-in methods can’t be shown right now. Try again in a few minutes.', providers };
  }
}


const toProvider = (value: string): Provider | null => (value === 'google' || value === 'apple' ? value : null);

/** "Unlink Google" shows the confirm step; "Confirm unlink" calls unlinkIdentity. */
export async function signInMethodAction(request: Request, auth: SignedInUser, intent: SignInMethodIntent, form: FormData) {
  const { provider: raw } = formValues(form, ['provider'] as const);
  const provider = toProvider(raw);
  const fail = (formError: string, status = 400) =>
    data({ ok: false, intent, provider: raw, formError } satisfies UnlinkResult, { status, headers: auth.headers });
  if (!provider) return fail('Reload the page and try again.');

  if (intent === 'unlink-identity') {
    return data({ ok: true, intent, provider } satisfies UnlinkResult, { headers: auth.headers });
  }

  const { session, accessToken } = auth;
  try {
    await gql(request, UnlinkIdentityDocument, { provider: provider.toUpperCase() as IdentityProvider }, { accessToken });
  } catch (error) {
    await throwIfSessionEnded(request, session, error);
    if (!isApiError(error)) throw error;
    return fail(identityErrorNotice(error, provider).text);
  }
  flashNotice(session, { kind: 'success', text: `${PROVIDER_NAMES[provider]} is unlinked. You can link it again at any time.` });
  return redirect('/account', { headers: await sessionHeaders(session) });
}
