import { data, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { Notice } from '~/components/Notice';
import { SubmitButton } from '~/components/SubmitButton';
import { VerifyEmailDocument } from '~/graphql/generated';
import { getUser } from '~/lib/auth.server';
import { gql, isApiError } from '~/lib/graphql.server';

export const meta: MetaFunction = () => [
  { title: 'Confirm your email · Crossbill' },
  // The token is in the URL: never send it to other sites in a Referer header. (Not
  // no-referrer: that makes browsers send `Origin: null` on form posts, which are refused.)
  { name: 'referrer', content: 'same-origin' },
];

type Outcome = 'verified' | 'already-verified' | 'invalid';

// Opening the link confirms the address (the token is single-use and only proves that the
// mail arrived). Resending is a POST to /account, which needs the person to be signed in.
export async function loader({ request }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get('token')?.trim() ?? '';
  let outcome: Outcome = 'invalid';
  let email: string | null = null;
  if (token) {
    try {
      const { verifyEmail } = await gql(request, VerifyEmailDocument, { token });
      outcome = 'verified';
      email = verifyEmail.email;
    } catch (error) {
      if (!isApiError(error, 'INVALID_TOKEN', 'BAD_USER_INPUT', 'NOT_FOUND')) throw error;
    }
  }
  // After verifying, so a signed-in viewer already shows as verified.
  const current = await getUser(request);
  // A link scanner may have opened the link first: for the signed-in owner that is success.
  if (outcome === 'invalid' && current.user?.emailVerified) outcome = 'already-verified';
  return data(
    {
      outcome,
      email: email ?? current.user?.email ?? null,
      signedIn: current.user !== null,
      viewerVerified: current.user?.emailVerified ?? false,
    },
    { headers: current.headers, status: outcome === 'invalid' ? 400 : 200 },
  );
}

export default function VerifyEmail() {
  const { outcome, email, signedIn, viewerVerified } = useLoaderData<typeof loader>();

  if (outcome === 'verified' || outcome === 'already-verified') {
    return (
      <section className="card card--narrow">
        <h1 id="verify-title">{outcome === 'verified' ? 'Email address confirmed' : 'Email address already confirmed'}</h1>
        <Notice kind="success" testId="verify-success">
          {email ? (
            <>
              <strong>{email}</strong> is confirmed. Thank you!
            </>
          ) : (
            'Your email address is confirmed. Thank you!'
          )}
        </Notice>
        <p>
          {signedIn ? (
            <Link className="button button--primary" to="/account">
              Go to your account
            </Link>
          ) : (
            <Link className="button button--primary" to="/login?redirectTo=%2Faccount">
              Log in to your account
            </Link>
          )}
        </p>
      </section>
    );
  }

  return (
    <section className="card card--narrow">
      <h1 id="verify-title">This link doesn’t work</h1>
      <Notice kind="error" testId="verify-error">
        This confirmation link is not valid any more: it may have expired, been replaced by a newer one, or been used already.
      </Notice>
      {signedIn && !viewerVerified ? (
        <Form method="post" action="/account" className="inline-form">
          <p>We can send a new link to {email}.</p>
          <SubmitButton formActionPath="/account" intent="resend-verification">
            Resend verification email
          </SubmitButton>
        </Form>
      ) : null}
      {!signedIn ? (
        <p>
          <Link to="/login?redirectTo=%2Faccount">Log in to get a new link</Link> from your account page.
        </p>
      ) : null}
    </section>
  );
}
