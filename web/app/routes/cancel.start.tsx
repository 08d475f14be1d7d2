import { data, redirect, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { CancelUnusable } from '~/components/CancelUnusable';
import { embedContext } from '~/embed/embed-context.server';
import { STORAGE_SHIM } from '~/embed/storage-shim';
import { StartCancelFlowForAppDocument } from '~/graphql/generated';
import { gql, isApiError } from '~/lib/graphql.server';

// GET /cancel/start?app_id&customer_id&subscription_id&hmac&expires[&email]&embed=1&parent=…:
// the embed script's positional (Vibess-style) start. The app's backend signed
// customerId (or email) + appId + expires with one of its private keys; the API checks that
// and who owns the subscription, and mints a session. Then on to the flow, embed parameters
// kept. A refused start is a calm page that also tells the embedding page (event `error`).

export const meta: MetaFunction = () => [
  { title: 'Cancel your subscription · Crossbill' },
  // The signature is in the URL: never send it on in a Referer header.
  { name: 'referrer', content: 'no-referrer' },
];

export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' });

const MAX = 500;

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const { embed, parentOrigin, optOut, query } = embedContext(request);
  const param = (name: string) => url.searchParams.get(name)?.trim().slice(0, MAX) || null;
  const appId = param('app_id');
  const hmac = param('hmac');
  const expiresAt = param('expires');
  const customerId = param('customer_id');
  const subscriptionId = param('subscription_id');
  const email = param('email');
  const page = { embed, parentOrigin, optOut };
  const refuse = (status: number, code: string, message: string) => data({ page, problem: { code, message } }, { status, headers: { 'Cache-Control': 'no-store' } });

  if (!appId || !hmac || !expiresAt || (!customerId && !email)) {
    return refuse(400, 'BAD_USER_INPUT', 'This link is missing something: it needs the app, the customer (or an email), the signature and its expiry.');
  }
  try {
    const { startCancelFlowForApp } = await gql(request, StartCancelFlowForAppDocument, {
      input: { appId, hmac, expiresAt, customerId, subscriptionId, email, mode: 'LIVE' },
    });
    return redirect(`/cancel/${encodeURIComponent(startCancelFlowForApp.token)}${query}`, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    // Anything the API refused (signature, expiry, no such subscription) is this page; an
    // unreachable API is the error page.
    if (!isApiError(error)) throw error;
    if (error.code === 'RATE_LIMITED') return refuse(429, error.code, 'Too many attempts. Wait a minute and try again.');
    return refuse(error.code === 'INTERNAL_SERVER_ERROR' ? 500 : 403, error.code, error.message || 'This cancellation can’t be started.');
  }
}

export default function CancelStart() {
  const { page, problem } = useLoaderData<typeof loader>();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return (
    <section
      className={page.embed ? 'card card--narrow cancel-flow cancel-flow--embed' : 'card card--narrow cancel-flow'}
      aria-labelledby="cancel-title"
      data-testid="cancel-step"
      data-step="unusable"
      data-code={problem.code}
      data-hydrated={hydrated || undefined}
    >
      {page.embed ? <script dangerouslySetInnerHTML={{ __html: STORAGE_SHIM }} /> : null}
      <CancelUnusable
        title="We couldn’t open this"
        message="Nothing was changed. Close this and try again from the app; if it keeps happening, contact support."
        error={problem}
        page={page}
      />
    </section>
  );
}
