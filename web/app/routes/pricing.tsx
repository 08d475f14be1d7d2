import { data, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { MySubscriptionsDocument, PlansDocument } from '~/graphql/generated';
import { getUser } from '~/lib/auth.server';
import { isLive, storeName } from '~/lib/billing';
import { gql } from '~/lib/graphql.server';

export const meta: MetaFunction = () => [
  { title: 'Plans and prices · Crossbill' },
  { name: 'description', content: 'Crossbill Pro, monthly or yearly. One subscription for the web and iPhone.' },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const current = await getUser(request);
  const [{ plans }, mine] = await Promise.all([
    gql(request, PlansDocument, {}),
    current.accessToken ? gql(request, MySubscriptionsDocument, {}, { accessToken: current.accessToken }) : null,
  ]);
  const live = mine?.me?.subscriptions.find(isLive) ?? null;
  return data(
    {
      signedIn: Boolean(current.user),
      plans,
      current: live ? { planKey: live.plan?.key ?? null, store: storeName(live.store) } : null,
    },
    { headers: current.headers },
  );
}

export default function Pricing() {
  const { plans, signedIn, current } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <div>
        <h1 id="pricing-title">Plans</h1>
        <p className="lead">One subscription unlocks Crossbill on the web and on your iPhone. Cancel any time.</p>
      </div>
      {current ? (
        <div className="notice notice--info" role="status">
          You already have a subscription ({current.store}). <Link to="/account">See it on your account page</Link>.
        </div>
      ) : null}
      <ul className="plans" aria-labelledby="pricing-title">
        {plans.map((plan) => {
          const href = `/subscribe/${encodeURIComponent(plan.key)}`;
          const isCurrent = current?.planKey === plan.key;
          return (
            <li key={plan.key} className="card plan" data-testid="plan-card" aria-labelledby={`plan-${plan.key}`}>
              <h2 id={`plan-${plan.key}`}>{plan.name}</h2>
              <p className="plan__price">{plan.priceLabel}</p>
              <p className="muted">{plan.description}</p>
              {isCurrent ? (
                <p>
                  <span className="badge badge--ok">Your plan</span>
                </p>
              ) : current ? null : (
                <Link
                  className="button button--primary plan__cta"
                  to={signedIn ? href : `/login?redirectTo=${encodeURIComponent(href)}`}
                  aria-describedby={`plan-${plan.key}`}
                >
                  Subscribe
                </Link>
              )}
            </li>
          );
        })}
      </ul>
      <p className="muted">
        Already subscribed in the iPhone app? Your subscription works here too — just log in
        with the same account.
      </p>
    </div>
  );
}
