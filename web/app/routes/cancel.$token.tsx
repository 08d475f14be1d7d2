import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { FormError } from '~/components/FormError';
import { Notice } from '~/components/Notice';
import { SubmitButton } from '~/components/SubmitButton';
import {
  AcceptCancelOfferDocument,
  CancelFlowDocument,
  DeclineCancelOfferDocument,
  SubmitCancelReasonDocument,
  type CancelFlowFieldsFragment,
  type CancelFlowOutcomeFieldsFragment,
  type CancelReason,
} from '~/graphql/generated';
import { formatDate } from '~/lib/billing';
import { readForm } from '~/lib/forms.server';
import { ApiError, gql, isApiError } from '~/lib/graphql.server';

// The hosted retention ("cancel") flow: reason → offer → done. No sign-in needed: the signed
// token in the URL authorizes, so the page works from an email or the iPhone app too. Plain
// form posts; every step renders without JavaScript.

export const meta: MetaFunction = () => [
  { title: 'Cancel your subscription · Crossbill' },
  // The token is in the URL: never send it to other sites in a Referer header.
  { name: 'referrer', content: 'same-origin' },
];

export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' });

type Unusable = { kind: 'unusable'; title: string; message: string };
type Loaded = { kind: 'flow'; flow: CancelFlowFieldsFragment } | Unusable;

/** A token that no longer leads anywhere: the page says why, calmly, and links to the account. */
function unusable(error: ApiError): Unusable {
  switch (error.code) {
    case 'CANCEL_SESSION_COMPLETED':
      return { kind: 'unusable', title: 'This is already done', message: 'This cancellation was already completed. Your account shows where your subscription stands now.' };
    case 'CANCEL_SESSION_EXPIRED':
      return { kind: 'unusable', title: 'This link has expired', message: 'For your security, cancellation links work for a limited time. Start again from your account.' };
    default:
      return { kind: 'unusable', title: 'This link doesn’t work', message: 'This cancellation link is not valid. Start again from your account.' };
  }
}

const isUnusableError = (error: ApiError): boolean =>
  ['CANCEL_SESSION_INVALID', 'CANCEL_SESSION_EXPIRED', 'CANCEL_SESSION_COMPLETED', 'INVALID_TOKEN', 'NOT_FOUND'].includes(error.code);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const token = params.token?.trim() ?? '';
  let loaded: Loaded;
  try {
    const { cancelFlow } = await gql(request, CancelFlowDocument, { token });
    loaded = { kind: 'flow', flow: cancelFlow };
  } catch (error) {
    // A bad, expired or spent token is a page of its own; anything else is the error page.
    if (!isApiError(error) || !isUnusableError(error)) throw error;
    loaded = unusable(error);
  }
  return data(loaded, { status: loaded.kind === 'unusable' ? 410 : 200 });
}

type ActionResult =
  | { ok: true; kind: 'outcome'; outcome: CancelFlowOutcomeFieldsFragment }
  | { ok: false; kind: 'failure'; formError: string; values: { reason: string; comment: string } }
  | Unusable;

const COMMENT_MAX = 2000;

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await readForm(request);
  const token = params.token?.trim() ?? '';
  const intent = String(form.get('intent') ?? '');
  const reason = String(form.get('reason') ?? '').trim();
  const comment = String(form.get('comment') ?? '').trim().slice(0, COMMENT_MAX);
  const fail = (formError: string) => data<ActionResult>({ ok: false, kind: 'failure', formError, values: { reason, comment } }, { status: 400 });

  try {
    switch (intent) {
      case 'reason': {
        if (!reason) return fail('Choose a reason to continue.');
        await gql(request, SubmitCancelReasonDocument, { token, reason: reason as CancelReason, comment: comment || null });
        // Post/redirect/get: the loader renders the offer step, and a reload doesn't post again.
        return redirect(`/cancel/${encodeURIComponent(token)}`);
      }
      case 'accept': {
        const { acceptCancelOffer } = await gql(request, AcceptCancelOfferDocument, { token });
        return data<ActionResult>({ ok: true, kind: 'outcome', outcome: acceptCancelOffer });
      }
      case 'decline': {
        const { declineCancelOffer } = await gql(request, DeclineCancelOfferDocument, { token });
        return data<ActionResult>({ ok: true, kind: 'outcome', outcome: declineCancelOffer });
      }
      default:
        return fail('Something went wrong. Reload the page and try again.');
    }
  } catch (error) {
    if (!isApiError(error)) throw error;
    const apiError: ApiError = error;
    if (apiError.code === 'BAD_USER_INPUT' && intent === 'reason') return fail(apiError.message || 'Choose one of the reasons.');
    if (isUnusableError(apiError)) return data<ActionResult>(unusable(apiError), { status: 410 });
    if (apiError.code === 'RATE_LIMITED') return fail('Too many attempts. Wait a minute and try again.');
    return fail(
      apiError.code === 'BILLING_UNAVAILABLE'
        ? 'We couldn’t reach the payment provider. Nothing was changed — try again in a few minutes.'
        : apiError.message || 'Something went wrong. Nothing was changed — try again.',
    );
  }
}

/** For a flow already finished (the page reloaded after "done"), when the answer's message is gone. */
const OUTCOME_WORDS: Record<string, string> = {
  saved_discount: 'Your discount is on. Your subscription continues.',
  saved_pause: 'Your subscription is paused.',
  saved_switch: 'Your plan was changed. Your subscription continues.',
  contacted_support: 'We’ll be in touch.',
  canceled: 'Your subscription is cancelled and won’t renew.',
  cancel_opted_out: 'Nothing was changed.',
  manage_in_app_store: 'Cancel it in the App Store on your iPhone: Settings → your name → Subscriptions.',
  app_store_offer: 'Open the app on your iPhone to accept the offer.',
};

export default function CancelFlowPage() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;

  if (result?.kind === 'unusable') return <UnusableLink {...result} />;
  if (result?.kind === 'outcome') return <Done outcome={result.outcome.outcome} message={result.outcome.message} manageUrl={result.outcome.manageUrl} />;
  if (loaded.kind === 'unusable') return <UnusableLink {...loaded} />;

  const { flow } = loaded;
  const failure = result?.kind === 'failure' ? result : undefined;
  const plan = flow.subscription.plan?.name;

  return (
    <section className="card card--narrow cancel-flow" aria-labelledby="cancel-title" data-testid="cancel-step" data-step={flow.step}>
      {flow.mode === 'TEST' ? (
        <Notice kind="info" testId="cancel-test-mode">
          Test mode: this runs the whole flow but changes nothing.
        </Notice>
      ) : null}
      {flow.step === 'reason' ? (
        <ReasonStep flow={flow} plan={plan} failure={failure} />
      ) : flow.step === 'offer' && flow.offer ? (
        <OfferStep flow={flow} offer={flow.offer} failure={failure} />
      ) : flow.step === 'offer' ? (
        // No offer for this reason: only the cancel button.
        <OfferStep flow={flow} offer={null} failure={failure} />
      ) : (
        <DoneContent
          outcome={flow.outcome ?? 'done'}
          message={flow.outcome ? (OUTCOME_WORDS[flow.outcome] ?? 'This is done.') : 'This is done.'}
          manageUrl={flow.store === 'APP_STORE' ? flow.subscription.managementUrl : null}
        />
      )}
    </section>
  );
}

type Failure = Extract<ActionResult, { kind: 'failure' }>;

function ReasonStep({ flow, plan, failure }: { flow: CancelFlowFieldsFragment; plan: string | undefined; failure: Failure | undefined }) {
  const [hydrated, setHydrated] = useState(false);
  const [selected, setSelected] = useState<string>(failure?.values.reason ?? flow.reason ?? '');
  useEffect(() => setHydrated(true), []);
  // Without JavaScript the comment box is always there; with it, only for reasons that ask.
  const askComment = !hydrated || flow.reasons.some((r) => r.reason === selected && r.askComment);
  const end = flow.subscription.currentPeriodEnd;

  return (
    <>
      <h1 id="cancel-title">Before you go</h1>
      <p className="muted">
        {plan ? `You’re about to cancel ${plan}. ` : ''}
        Tell us why, and we’ll see if there’s something that helps.
        {end && flow.subscription.willRenew ? ` Nothing changes until you confirm; your access runs until ${formatDate(end)} either way.` : ''}
      </p>
      <Form method="post" className="form" noValidate>
        <FormError message={failure?.formError} />
        <fieldset className="choices" aria-invalid={failure && !selected ? true : undefined}>
          <legend>Why are you cancelling?</legend>
          {flow.reasons.map((r) => (
            <label key={r.reason} className="choice">
              <input
                type="radio"
                name="reason"
                value={r.reason}
                checked={selected === r.reason}
                onChange={() => setSelected(r.reason)}
                required
              />
              <span>{r.label}</span>
            </label>
          ))}
        </fieldset>
        {askComment ? (
          <div className="field">
            <label htmlFor="cancel-comment">Tell us more (optional)</label>
            <textarea id="cancel-comment" name="comment" rows={4} maxLength={COMMENT_MAX} defaultValue={failure?.values.comment ?? ''} />
          </div>
        ) : null}
        <SubmitButton intent="reason">Continue</SubmitButton>
      </Form>
      <p>
        <Link to="/account">Keep my subscription</Link>
      </p>
    </>
  );
}

function OfferStep({
  flow,
  offer,
  failure,
}: {
  flow: CancelFlowFieldsFragment;
  offer: NonNullable<CancelFlowFieldsFragment['offer']> | null;
  failure: Failure | undefined;
}) {
  const kind = offer?.kind ?? 'NONE';
  const end = flow.subscription.currentPeriodEnd;
  return (
    <>
      <h1 id="cancel-title">{kind === 'NONE' ? 'Cancel your subscription' : 'Before you cancel'}</h1>
      <Form method="post" className="form">
        <FormError message={failure?.formError} />
        {offer && kind !== 'NONE' ? (
          <div className="cancel-offer" data-testid="cancel-offer" data-kind={kind}>
            <h2>{offer.title}</h2>
            <p>{offer.description}</p>
            {kind === 'CONTACT_SUPPORT' && offer.supportUrl ? (
              <p>
                <a className="button button--primary" href={offer.supportUrl}>
                  Contact support
                </a>
              </p>
            ) : null}
          </div>
        ) : (
          <div className="cancel-offer" data-testid="cancel-offer" data-kind="NONE">
            {offer ? (
              <>
                <h2>{offer.title}</h2>
                <p>{offer.description}</p>
              </>
            ) : null}
            <p>
              {end && flow.store === 'STRIPE'
                ? `Your subscription won’t renew. You keep access until ${formatDate(end)}.`
                : 'Your subscription won’t renew.'}
            </p>
          </div>
        )}
        <div className="actions">
          {kind !== 'NONE' && kind !== 'CONTACT_SUPPORT' ? <SubmitButton intent="accept">Accept offer</SubmitButton> : null}
          <SubmitButton intent="decline" variant={kind === 'NONE' ? 'danger' : 'secondary'}>
            No thanks, cancel
          </SubmitButton>
        </div>
      </Form>
      <p>
        <Link to="/account">Keep my subscription</Link>
      </p>
    </>
  );
}

function Done({ outcome, message, manageUrl }: { outcome: string; message: string; manageUrl: string | null }) {
  return (
    <section className="card card--narrow cancel-flow" aria-labelledby="cancel-title" data-testid="cancel-step" data-step="done">
      <DoneContent outcome={outcome} message={message} manageUrl={manageUrl} />
    </section>
  );
}

function DoneContent({ outcome, message, manageUrl }: { outcome: string; message: string; manageUrl: string | null | undefined }) {
  const saved = outcome.startsWith('saved_') || outcome === 'contacted_support' || outcome === 'app_store_offer';
  return (
    <>
      <h1 id="cancel-title">{saved ? 'Thanks for staying' : outcome === 'canceled' ? 'Your subscription is cancelled' : 'All done'}</h1>
      <div className="notice notice--success" role="status" data-testid="cancel-outcome" data-outcome={outcome}>
        {message}
      </div>
      <div className="actions">
        {manageUrl ? (
          <a className="button button--primary" href={manageUrl}>
            Manage in the App Store
          </a>
        ) : null}
        <Link className={manageUrl ? 'button button--secondary' : 'button button--primary'} to="/account">
          Back to your account
        </Link>
      </div>
    </>
  );
}

function UnusableLink({ title, message }: Unusable) {
  return (
    <section className="card card--narrow" aria-labelledby="cancel-title" data-testid="cancel-step" data-step="unusable">
      <h1 id="cancel-title">{title}</h1>
      <Notice kind="info" testId="cancel-unusable">
        {message}
      </Notice>
      <p>
        <Link className="button button--primary" to="/account">
          Back to your account
        </Link>
      </p>
    </section>
  );
}
