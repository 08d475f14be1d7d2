import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, type ShouldRevalidateFunction } from '@remix-run/react';
import { PaymentForm } from '~/components/billing/PaymentForm';
import { FormError } from '~/components/FormError';
import { LiveStatus } from '~/components/LiveStatus';
import { SubmitButton } from '~/components/SubmitButton';
import { CreateCheckoutSessionDocument, CreateSubscriptionDocument, PlansDocument, type Store } from '~/graphql/generated';
import { requireUser, throwIfSessionEnded } from '~/lib/auth.server';
import { isLive, STORE_OWNER, type SubscriptionView } from '~/lib/billing';
import { alreadySubscribed, billingErrorMessage, notFound, redirectToStripe, throwIfUnknownPlan } from '~/lib/billing.server';
import { publicEnv } from '~/lib/env.server';
import { readForm } from '~/lib/forms.server';
import { gql, isApiError } from '~/lib/graphql.server';
import { useLiveRevalidation, type LiveEventName, type LiveState } from '~/lib/live';
import { formatMoney } from '~/lib/money';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data && 'plan' in data && data.plan ? `Subscribe to ${data.plan.name} · Crossbill` : 'Subscribe · Crossbill' },
];

// The page carries a payment's client secret: never cached, by the browser or anyone else.
export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' });

// Only a new plan in the URL calls createSubscription again; nothing on this page changes it,
// except a subscription bought elsewhere meanwhile (a live change revalidates the same URL, no
// form): createSubscription then answers ALREADY_SUBSCRIBED.
export const shouldRevalidate: ShouldRevalidateFunction = ({ currentUrl, nextUrl, currentParams, nextParams, formMethod, defaultShouldRevalidate }) => {
  if (!formMethod && currentUrl.href === nextUrl.href) return defaultShouldRevalidate;
  return currentParams.plan !== nextParams.plan && defaultShouldRevalidate;
};

/**
 * While the pay form is up, only a live subscription other than the one paid for here matters
 * (bought on the iPhone, or in another tab). This page's own payment succeeding is Stripe.js's
 * to finish: it redirects to the return page, and the form must not be swapped out under it.
 */
const boughtElsewhere = (payingFor: string) => (event: LiveEventName, data: unknown) =>
  event === 'subscriptions' && Array.isArray(data) && (data as SubscriptionView[]).some((s) => s.id !== payingFor && isLive(s));

export async function loader({ request, params }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const planKey = params.plan ?? '';
  // An unknown plan is a 404 before anything is asked of Stripe.
  const { plans } = await gql(request, PlansDocument, {});
  const plan = plans.find((p) => p.key === planKey);
  if (!plan) throw notFound('No such plan', auth.headers);
  let created;
  try {
    created = (await gql(request, CreateSubscriptionDocument, { planKey }, { accessToken: auth.accessToken })).createSubscription;
  } catch (error) {
    throwIfUnknownPlan(error, auth.headers);
    await throwIfSessionEnded(request, auth.session, error);
    if (isApiError(error, 'ALREADY_SUBSCRIBED')) return data(alreadySubscribed(error), { headers: auth.headers });
    if (isApiError(error)) return data({ kind: 'unavailable' as const, message: billingErrorMessage(error) }, { headers: auth.headers });
    throw error;
  }
  const { subscription, clientSecret, publishableKey } = created;
  // Nothing to pay now (a trial, a full discount): the subscription is already on its way.
  if (!clientSecret) throw redirect(`/subscribe/return?subscription=${encodeURIComponent(subscription.id)}`, { headers: auth.headers });
  return data(
    {
      kind: 'pay' as const,
      plan: { key: plan.key, name: plan.name, priceLabel: plan.priceLabel, description: plan.description },
      firstPayment: formatMoney(plan.amount, plan.currency),
      subscriptionId: subscription.id,
      clientSecret,
      publishableKey,
      ...publicEnv(),
    },
    { headers: auth.headers },
  );
}

/** The no-JavaScript path (and the fallback when Stripe.js can't load): Stripe Checkout. */
export async function action({ request, params }: ActionFunctionArgs) {
  await readForm(request);
  const auth = await requireUser(request);
  try {
    const { createCheckoutSession } = await gql(request, CreateCheckoutSessionDocument, { planKey: params.plan ?? '' }, { accessToken: auth.accessToken });
    return redirectToStripe(createCheckoutSession.url, auth.headers);
  } catch (error) {
    throwIfUnknownPlan(error, auth.headers);
    await throwIfSessionEnded(request, auth.session, error);
    if (!isApiError(error)) throw error;
    if (isApiError(error, 'ALREADY_SUBSCRIBED')) return redirect(request.url, { headers: auth.headers });
    return data({ formError: billingErrorMessage(error) }, { status: 400, headers: auth.headers });
  }
}

function HostedCheckout({ formError }: { formError?: string | null }) {
  return (
    <Form method="post" className="inline-form">
      <FormError message={formError} />
      <SubmitButton variant="secondary">Pay on a Stripe-hosted page</SubmitButton>
    </Form>
  );
}

export default function Subscribe() {
  const page = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const formError = result && 'formError' in result ? result.formError : null;
  const live = useLiveRevalidation({ shouldRevalidate: page.kind === 'pay' ? boughtElsewhere(page.subscriptionId) : undefined });

  if (page.kind === 'already-subscribed') return <AlreadySubscribedPage store={page.store} message={page.message} live={live} />;
  if (page.kind === 'unavailable') {
    return (
      <section className="card card--narrow">
        <h1 id="subscribe-title">Payments are unavailable</h1>
        <div className="notice notice--error" role="alert">
          {page.message}
        </div>
        <p>
          <Link to="/pricing">Back to the plans</Link>
        </p>
      </section>
    );
  }

  const { plan, firstPayment } = page;
  const payLabel = `You’ll be charged ${firstPayment} now, then ${plan.priceLabel} until you cancel.`;
  return (
    <section className="card card--narrow pay" aria-labelledby="subscribe-title">
      <div className="page-heading">
        <h1 id="subscribe-title">Subscribe to {plan.name}</h1>
        <LiveStatus state={live} />
      </div>
      <p className="pay-summary" data-testid="pay-summary">
        <strong>{plan.priceLabel}</strong> <span className="muted">· {plan.description}</span>
      </p>
      <noscript>
        <div className="notice notice--info">
          The card form needs JavaScript. Without it, you can pay on a secure page hosted by Stripe.
        </div>
        <HostedCheckout />
      </noscript>
      {formError ? <HostedCheckout formError={formError} /> : null}
      <PaymentForm
        publishableKey={page.publishableKey}
        clientSecret={page.clientSecret}
        stripeJsUrl={page.stripeJsUrl}
        subscriptionId={page.subscriptionId}
        payLabel={payLabel}
        fallback={<HostedCheckout />}
      />
      <p className="muted pay-footer">
        Payments are processed by Stripe; Crossbill never sees your card number. Cancel any time from your account page.{' '}
        <Link to="/pricing">Choose another plan</Link>
      </p>
    </section>
  );
}

function AlreadySubscribedPage({ store, message, live }: { store: Store | null; message: string; live: LiveState }) {
  return (
    <section className="card card--narrow" data-testid="already-subscribed">
      <div className="page-heading">
        <h1 id="subscribe-title">You’re already subscribed</h1>
        <LiveStatus state={live} />
      </div>
      {store ? (
        <p>
          Your account already has a subscription, bought {STORE_OWNER[store]}. It works on the web and on your iPhone, so there is
          nothing more to buy.
        </p>
      ) : (
        <p>{message}</p>
      )}
      {store === 'APP_STORE' ? (
        <p>
          To change or cancel it, manage it in the App Store on your iPhone: open Settings, tap your name, then Subscriptions.
        </p>
      ) : store === 'STRIPE' ? (
        <p>You can change plan or cancel on your account page.</p>
      ) : null}
      <div className="actions">
        <Link className="button button--primary" to="/account">
          Go to your account
        </Link>
      </div>
    </section>
  );
}
