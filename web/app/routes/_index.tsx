import { data, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { Notice } from '~/components/Notice';
import { getSession, hasTokens, popNotice } from '~/lib/session.server';

export const meta: MetaFunction = () => [
  { title: 'Crossbill — one account on web and iPhone' },
  { name: 'description', content: 'One account and one subscription across the web and iPhone.' },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const session = await getSession(request);
  const { notice, headers } = await popNotice(session);
  return data({ signedIn: hasTokens(session), notice }, { headers });
}

export default function Home() {
  const { signedIn, notice } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      {notice ? <Notice kind={notice.kind}>{notice.text}</Notice> : null}
      <section className="hero">
        <h1 id="home-title">One account, on the web and on your iPhone</h1>
        <p className="lead">
          Sign in once with your email. Subscribe on the web or in the app — whichever you use unlocks both.
        </p>
        <div className="actions">
          {signedIn ? (
            <>
              <Link className="button button--primary" to="/account">
                Go to your account
              </Link>
              <Link className="button button--secondary" to="/pricing">
                See plans
              </Link>
            </>
          ) : (
            <>
              <Link className="button button--primary" to="/signup">
                Create your account
              </Link>
              <Link className="button button--secondary" to="/login">
                I already have an account
              </Link>
            </>
          )}
        </div>
      </section>
      <ul className="features" aria-label="What you get">
        <li>
          <h2>One sign-in</h2>
          <p>The same email and password on the web and in the iPhone app.</p>
        </li>
        <li>
          <h2>Pay where you like</h2>
          <p>
            Subscribe with a card on the web or through the App Store. <Link to="/pricing">See plans and prices</Link>.
          </p>
        </li>
        <li>
          <h2>Leave any time</h2>
          <p>Cancel from your account, whichever store you paid with.</p>
        </li>
      </ul>
    </div>
  );
}
