import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { readForm } from '~/lib/forms.server';
import { applePostCookie, type ApplePostedFields } from '~/lib/oauth/flow.server';
import { completeProviderFlow } from '~/lib/oauth/complete.server';

// Apple answers with response_mode=form_post: a cross-site POST of code, state, `user` (first
// authorization only) or error. Our SameSite=Lax cookies (the session, the flow secret) are not
// sent with it, so the action only keeps the posted fields in a short-lived cookie and
// 303-redirects to a GET of this URL, a top-level navigation that does carry them; the loader
// finishes the flow there (state, browser binding, code exchange, API). web/server.js lets this
// one path through its cross-site POST guard; nothing here acts on the session cookie.

const field = (form: FormData, name: string, max: number) => {
  const value = form.get(name);
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;
};

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const posted: ApplePostedFields = {
    code: field(form, 'code', 1024),
    state: field(form, 'state', 2048),
    user: field(form, 'user', 1024),
    error: field(form, 'error', 100),
  };
  return redirect('/auth/apple/callback', { status: 303, headers: { 'Set-Cookie': await applePostCookie.serialize(posted) } });
}

export async function loader({ request }: LoaderFunctionArgs) {
  const response = await completeProviderFlow('apple', request);
  response.headers.append('Set-Cookie', await applePostCookie.serialize('', { maxAge: 0 }));
  return response;
}
