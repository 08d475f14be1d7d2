import { data, redirect, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { LiveStatus } from '~/components/LiveStatus';
import { MySubscriptionsDocument, RefreshSubscriptionDocument } from '~/graphql/generated';
import { requireUser, throwIfSessionEnded } from '~/lib/auth.server';
import { isLive, renewalLine, statusInWords, type SubscriptionView } from '~/lib/billing';
import { billingErrorMessage, notFound } from '~/lib/billing.server';
import { gql, isApiError } from '~/lib/graphql.server';
import { useLiveRevalidation, type LiveState } from '~/lib/live';

// Where Stripe sends the payer back: from the pay page (?subscription=<id>&payment_intent=…&
// redirect_status=…) or from hosted Checkout (?session_id=…). The subscription is reconciled
// from Stripe right here, so access shows before the webhook arrives.

/** While a payment is processing, the page reloads itself this often, this many times. */
const RECHECK_SECONDS = 3;
const MAX_CHECKS = 20;

type Outcome = 'succeeded' | 'processing' | 'failed';

function outcomeOf(subscription: SubscriptionView | null, redirectStatus: string | null, fromCheckout: boolean): Outcome {
  if (subscription && isLive(subscription)) return 'succeeded';
  if (redirectStatus === 'failed' || redirectStatus === 'requires_payment_method') return 'failed';
  // Stripe says the payment went (or is going) through; our record is catching up.
  if (redirectStatus === 'processing' || redirectStatus === 'succeeded') return 'processing';
  // Checkout only returns here after a payment; its subscription may not be recorded yet.
  if (fromCheckout && (!subscription || subscription.status === 'INCOMPLETE' || !isLive(subscription))) return 'processing';
  return 'failed';
}

export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' });

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const url = new URL(request.url);
  const id = url.searchParams.get('subscription');
  const sessionId = url.searchParams.get('session_id');
  const redirectStatus = url.searchParams.get('redirect_status');
  const checks = Math.min(MAX_CHECKS, Math.max(0, Number.parseInt(url.searchParams.get('check') ?? '0', 10) || 0));
  if (!id && !sessionId) throw redirect('/account', { headers: auth.headers });

  let subscription: SubscriptionView | null = null;
  try {
    if (id) {
      subscription = (await gql(request, RefreshSubscriptionDocument, { id }, { accessToken: auth.accessToken })).refreshSubscription;
    } else {
      // Hosted Checkout: the newest subscription is the one just bought (once Crossbill knows it;
      // until then the newest may be an attempt left incomplete on the pay page).
      const { me } = await gql(request, MySubscriptionsDocument, {}, { accessToken: auth.accessToken });
      const subscriptions = me?.subscriptions ?? [];
      const newest = subscriptions.find(isLive) ?? subscriptions[0] ?? null;
      subscription =
        newest?.store === 'STRIPE'
          ? (await gql(request, RefreshSubscriptionDocument, { id: newest.id }, { accessToken: auth.accessToken })).refreshSubscription
          : newest;
    }
  } catch (error) {
    await throwIfSessionEnded(request, auth.session, error);
    if (isApiError(error, 'NOT_FOUND', 'BAD_USER_INPUT', 'FORBIDDEN')) throw notFound('No such subscription', auth.headers);
    if (!isApiError(error)) throw error;
    return data({ outcome: 'error' as const, message: billingErrorMessage(error), subscription: null, nextCheck: null }, { headers: auth.headers });
  }

  const outcome = outcomeOf(subscription, redirectStatus, Boolean(sessionId));
  let nextCheck: string | null = null;
  if (outcome === 'processing' && checks < MAX_CHECKS) {
    const next = new URL(url);
    next.searchParams.set('check', String(checks + 1));
    nextCheck = next.pathname + next.search;
  }
  return data({ outcome, message: null, subscription, nextCheck }, { headers: auth.headers });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.outcome === 'succeeded' ? 'You’re subscribed · Crossbill' : 'Your payment · Crossbill' },
];

/**
 * While the payment is processing: with JavaScript, the live stream's change (the webhook
 * landing) revalidates the page, and so does its first snapshot (the change may have landed
 * before the stream opened); while the stream is not open, the page revalidates every
 * RECHECK_SECONDS instead. Without JavaScript, a meta refresh in <noscript> reloads it.
 */
function useProcessingChecks(processing: boolean): LiveState {
  const live = useLiveRevalidation({ revalidateOnSnapshot: processing });
  const { revalidate } = useRevalidator();
  useEffect(() => {
    if (!processing || live === 'open') return;
    let checks = 0;
    const timer = setInterval(() => {
      checks += 1;
      if (checks > MAX_CHECKS) clearInterval(timer);
      else revalidate();
    }, RECHECK_SECONDS * 1000);
    return () => clearInterval(timer);
  }, [processing, live, revalidate]);
  return live;
}

export default function SubscribeReturn() {
  const { outcome, message, subscription, nextCheck } = useLoaderData<typeof loader>();
  const planName = subscription?.plan?.name ?? 'Crossbill';
  const live = useProcessingChecks(outcome === 'processing');

  if (outcome === 'succeeded' && subscription) {
    const renewal = renewalLine(subscription);
    return (
      <section className="card card--narrow" data-testid="subscribe-outcome" data-outcome="succeeded">
        <div className="page-heading">
          <h1 id="return-title">You’re subscribed to {planName}</h1>
          <LiveStatus state={live} />
        </div>
        <div className="notice notice--success" role="status">
          Thank you! Your subscription is {statusInWords(subscription.status).toLowerCase()}. It works on the web and in the iPhone
          app with this account.
        </div>
        {renewal ? <p>{renewal}.</p> : null}
        <div className="actions">
          <Link className="button button--primary" to="/account">
            Go to your account
          </Link>
        </div>
      </section>
    );
  }

  if (outcome === 'processing') {
    return (
      <section className="card card--narrow" data-testid="subscribe-outcome" data-outcome="processing">
        {/* Without JavaScript the page checks again by itself (with it, see useProcessingChecks). */}
        {nextCheck ? (
          <noscript>
            <meta httpEquiv="refresh" content={`${RECHECK_SECONDS};url=${nextCheck}`} />
          </noscript>
        ) : null}
        <div className="page-heading">
          <h1 id="return-title">Payment processing</h1>
          <LiveStatus state={live} />
        </div>
        <div className="notice notice--info" role="status">
          {nextCheck
            ? `Your payment for ${planName} is being processed. This page updates by itself in a few seconds.`
            : `Your payment for ${planName} is still being processed. Your account page shows your subscription as soon as it is confirmed.`}
        </div>
        <div className="actions">
          <a className="button button--secondary" href={nextCheck ?? ''}>
            Refresh
          </a>
          <Link className="button button--secondary" to="/account">
            Go to your account
          </Link>
        </div>
      </section>
    );
  }

  if (outcome === 'failed') {
    const retry = subscription?.plan ? `/subscribe/${encodeURIComponent(subscription.plan.key)}` : '/pricing';
    return (
      <section className="card card--narrow" data-testid="subscribe-outcome" data-outcome="failed">
        <div className="page-heading">
          <h1 id="return-title">The payment didn’t go through</h1>
          <LiveStatus state={live} />
        </div>
        <div className="notice notice--error" role="alert">
          The payment was not completed, so you are not subscribed yet.
          {subscription ? ` (Status: ${statusInWords(subscription.status).toLowerCase()}.)` : ''}
        </div>
        <p>Try again with another card or payment method.</p>
        <div className="actions">
          <Link className="button button--primary" to={retry}>
            Try again
          </Link>
          <Link className="button button--secondary" to="/account">
            Go to your account
          </Link>
        </div>
      </section>
    );
  }

  return (
    <section className="card card--narrow" data-testid="subscribe-outcome" data-outcome="error">
      <h1 id="return-title">We couldn’t check your payment</h1>
      <div className="notice notice--error" role="alert">
        {message}
      </div>
      <div className="actions">
        <a className="button button--secondary" href="">
          Try again
        </a>
        <Link className="button button--secondary" to="/account">
          Go to your account
        </Link>
      </div>
    </section>
  );
}
