import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import {
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import type { ReactNode } from 'react';
import { getSession, hasTokens, readTokens } from '~/lib/session.server';
import styles from '~/styles/app.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = () => [{ title: 'Crossbill' }];

// Cheap on purpose: it only reads the cookie — no API call, no token refresh, no Set-Cookie — so
// it never races the page's own loader over refreshing or committing the session. The Admin
// link follows the role stored with the tokens (updated at every sign-in and token refresh).
export async function loader({ request }: LoaderFunctionArgs) {
  const session = await getSession(request);
  return { signedIn: hasTokens(session), isAdmin: readTokens(session)?.isAdmin ?? false };
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>('root');
  // On the admin pages their own loader has just checked (with fresh tokens): trust it too.
  const adminPage = useRouteLoaderData<{ isAdmin?: boolean }>('routes/admin');
  const isAdmin = Boolean(data?.isAdmin || adminPage?.isAdmin);
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="theme-color" content="#1f6f5c" />
        <meta name="color-scheme" content="light dark" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <div className="site-header__inner">
            <Link to="/" className="brand" aria-label="Crossbill home">
              <span className="brand__mark" aria-hidden="true" />
              Crossbill
            </Link>
            <nav aria-label="Main" className="site-nav">
              <NavLink to="/pricing">Plans</NavLink>
              {data?.signedIn && isAdmin ? <NavLink to="/admin/retention">Admin</NavLink> : null}
              {data?.signedIn ? (
                <NavLink to="/account">Account</NavLink>
              ) : (
                <>
                  <NavLink to="/login">Log in</NavLink>
                  <NavLink to="/signup" className="site-nav__cta">
                    Sign up
                  </NavLink>
                </>
              )}
            </nav>
          </div>
        </header>
        <main id="main" className="site-main">
          {children}
        </main>
        <footer className="site-footer">
          <p>One account and one subscription, on the web and on iPhone.</p>
        </footer>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

/** Every error page: clear words and a way on, never a stack trace. */
export function ErrorBoundary() {
  const error = useRouteError();
  const location = useLocation();
  if (isRouteErrorResponse(error) && error.status === 503) {
    return (
      <section className="card" data-testid="service-unavailable">
        <h1 id="error-title">Service unavailable</h1>
        <p>We can’t reach Crossbill’s servers right now. Nothing is lost: try again in a moment.</p>
        <p>
          <a className="button button--primary" href={location.pathname + location.search}>
            Try again
          </a>
        </p>
      </section>
    );
  }
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <section className="card">
        <h1 id="error-title">Page not found</h1>
        <p>There is nothing at this address.</p>
        <p>
          <Link to="/">Go to the home page</Link>
        </p>
      </section>
    );
  }
  if (isRouteErrorResponse(error) && error.status >= 400 && error.status < 500) {
    return (
      <section className="card">
        <h1 id="error-title">{error.status === 403 ? 'Not allowed' : 'That did not work'}</h1>
        <p>This request was refused. Go back to the page and try again.</p>
        <p>
          <Link to="/">Go to the home page</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="card">
      <h1 id="error-title">Something went wrong</h1>
      <p>An unexpected error happened on our side. Try again in a moment.</p>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </section>
  );
}
