import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { useEffect, useRef, useState, type CSSProperties, type MouseEvent, type ReactNode } from 'react';
import { CancelUnusable } from '~/components/CancelUnusable';
import { FormError } from '~/components/FormError';
import { Notice } from '~/components/Notice';
import { SubmitButton } from '~/components/SubmitButton';
import { embedContext, type EmbedContext } from '~/embed/embed-context.server';
import { postToParent, type CancelFlowResult } from '~/embed/protocol';
import { STORAGE_SHIM } from '~/embed/storage-shim';
import {
  AcceptCancelOfferDocument,
  CancelFlowDocument,
  DeclineCancelOfferDocument,
  SubmitCancelReasonDocument,
  type CancelFlowFieldsFragment,
  type CancelFlowOutcomeFieldsFragment,
  type CancelReason,
  type SubscriptionFieldsFragment,
} from '~/graphql/generated';
import { formatDate } from '~/lib/billing';
import { readForm } from '~/lib/forms.server';
import { ApiError, gql, isApiError } from '~/lib/graphql.server';

// The hosted retention ("cancel") flow: reason → offer → done. No sign-in needed: the signed
// token in the URL authorizes, so the page works from an email or the iPhone app too. Plain
// form posts; every step renders without JavaScript.
//
// Embedded (?embed=1, in the iframe the embed core opens): the same steps, compact, without
// the site's header and footer; the outcome, an unusable link and "Keep my subscription" are
// posted to the embedding page (&parent=<origin>, only when CANCEL_EMBED_ORIGINS allows it).
// &optout=1: "cancel" records the outcome and cancels nothing (the app cancels itself).

export const meta: MetaFunction = () => [
  { title: 'Cancel your subscription · Crossbill' },
  // The token is in the URL: never send it to other sites in a Referer header.
  { name: 'referrer', content: 'same-origin' },
];

export const headers: HeadersFunction = () => ({ 'Cache-Control': 'no-store' });

type Unusable = { kind: 'unusable'; code: string; title: string; message: string };
type Loaded = { kind: 'flow'; flow: CancelFlowFieldsFragment } | Unusable;
/** What the page needs of the embed context (the query is only for the server's redirects). */
type Embed = Pick<EmbedContext, 'embed' | 'parentOrigin' | 'optOut'>;

/** A token that no longer leads anywhere: the page says why, calmly, and links to the account. */
function unusable(error: ApiError): Unusable {
  switch (error.code) {
    case 'CANCEL_SESSION_COMPLETED':
      return { kind: 'unusable', code: error.code, title: 'This is already done', message: 'This cancellation was already completed. Your account shows where your subscription stands now.' };
    case 'CANCEL_SESSION_EXPIRED':
      return { kind: 'unusable', code: error.code, title: 'This link has expired', message: 'For your security, cancellation links work for a limited time. Start again from your account.' };
    default:
      return { kind: 'unusable', code: error.code, title: 'This link doesn’t work', message: 'This cancellation link is not valid. Start again from your account.' };
  }
}

const isUnusableError = (error: ApiError): boolean =>
  ['CANCEL_SESSION_INVALID', 'CANCEL_SESSION_EXPIRED', 'CANCEL_SESSION_COMPLETED', 'INVALID_TOKEN', 'NOT_FOUND'].includes(error.code);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const token = params.token?.trim() ?? '';
  const { embed, parentOrigin, optOut } = embedContext(request);
  let loaded: Loaded;
  try {
    const { cancelFlow } = await gql(request, CancelFlowDocument, { token });
    loaded = { kind: 'flow', flow: cancelFlow };
  } catch (error) {
    // A bad, expired or spent token is a page of its own; anything else is the error page.
    if (!isApiError(error) || !isUnusableError(error)) throw error;
    loaded = unusable(error);
  }
  const page: Embed = { embed, parentOrigin, optOut };
  return data({ loaded, page }, { status: loaded.kind === 'unusable' ? 410 : 200 });
}

type ActionResult =
  | { ok: true; kind: 'outcome'; outcome: CancelFlowOutcomeFieldsFragment }
  | { ok: false; kind: 'failure'; formError: string; values: { reason: string; comment: string } }
  | Unusable;

const COMMENT_MAX = 2000;

export async function action({ request, params }: ActionFunctionArgs) {
  const form = await readForm(request);
  const token = params.token?.trim() ?? '';
  const { query, optOut } = embedContext(request);
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
        // The embed parameters stay on the URL (and so on the next form's action).
        return redirect(`/cancel/${encodeURIComponent(token)}${query}`);
      }
      case 'accept': {
        const { acceptCancelOffer } = await gql(request, AcceptCancelOfferDocument, { token });
        return data<ActionResult>({ ok: true, kind: 'outcome', outcome: acceptCancelOffer });
      }
      case 'decline': {
        const { declineCancelOffer } = await gql(request, DeclineCancelOfferDocument, { token, cancelOptOut: optOut });
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

type Appearance = CancelFlowFieldsFragment['appearance'];

const HEX = /^#[0-9a-f]{6}$/i;

/** Relative luminance (WCAG) of a #rrggbb colour. */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/**
 * The admin's colours as custom properties on the flow (app.css maps them onto the page's own
 * variables), and whether they make a light or a dark page. Only when all three are #rrggbb:
 * otherwise the site's own colours stay, whole.
 */
function appearanceTheme(appearance: Appearance | undefined): { style: CSSProperties; scheme: 'light' | 'dark' } | null {
  if (!appearance) return null;
  const { accentColor, backgroundColor, textColor } = appearance;
  if (![accentColor, backgroundColor, textColor].every((c) => HEX.test(c))) return null;
  const style = {
    '--cf-accent': accentColor,
    // Text on the accent: whichever of white and near-black reads better.
    '--cf-on-accent': luminance(accentColor) > 0.4 ? '#111111' : '#ffffff',
    '--cf-bg': backgroundColor,
    '--cf-text': textColor,
  } as CSSProperties;
  return { style, scheme: luminance(backgroundColor) > 0.35 ? 'light' : 'dark' };
}

/** What the embedding page's onComplete gets. */
function resultOf(outcome: { outcome: string; message: string; manageUrl?: string | null; appStoreOffer?: string | null }, subscription: SubscriptionFieldsFragment): CancelFlowResult {
  return {
    outcome: outcome.outcome,
    message: outcome.message,
    manageUrl: outcome.manageUrl ?? null,
    appStoreOffer: outcome.appStoreOffer ?? null,
    subscription: {
      id: subscription.id,
      status: subscription.status,
      willRenew: subscription.willRenew,
      currentPeriodEnd: subscription.currentPeriodEnd,
    },
  };
}

export default function CancelFlowPage() {
  const { loaded, page } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const appearance = loaded.kind === 'flow' ? loaded.flow.appearance : undefined;
  // Marks the page as interactive (its script ran): tests wait for it, styles may use it.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  // Embedded: Escape anywhere in the frame closes the modal, as it does outside the frame.
  useEffect(() => {
    if (!page.embed || !page.parentOrigin) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) postToParent(page.parentOrigin, { event: 'close' });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [page.embed, page.parentOrigin]);

  let content: ReactNode;
  let step: string;
  if (result?.kind === 'unusable' || (loaded.kind === 'unusable' && result?.kind !== 'outcome')) {
    const problem = result?.kind === 'unusable' ? result : (loaded as Unusable);
    step = 'unusable';
    content = <CancelUnusable title={problem.title} message={problem.message} error={{ code: problem.code, message: problem.message }} page={page} />;
  } else if (result?.kind === 'outcome') {
    step = 'done';
    content = (
      <DoneContent
        page={page}
        result={resultOf(result.outcome, result.outcome.subscription)}
        manageUrl={result.outcome.manageUrl}
      />
    );
  } else {
    const { flow } = loaded as Extract<Loaded, { kind: 'flow' }>;
    const failure = result?.kind === 'failure' ? result : undefined;
    step = flow.step;
    if (flow.step === 'reason') content = <ReasonStep flow={flow} failure={failure} page={page} />;
    else if (flow.step === 'offer') content = <OfferStep flow={flow} offer={flow.offer ?? null} failure={failure} page={page} />;
    else {
      const outcome = flow.outcome ?? 'done';
      const manageUrl = flow.store === 'APP_STORE' ? flow.subscription.managementUrl : null;
      const message = flow.outcome ? (OUTCOME_WORDS[flow.outcome] ?? 'This is done.') : 'This is done.';
      content = <DoneContent page={page} result={resultOf({ outcome, message, manageUrl }, flow.subscription)} manageUrl={manageUrl} />;
    }
  }

  const classes = ['card', 'card--narrow', 'cancel-flow'];
  if (page.embed) classes.push('cancel-flow--embed');
  const theme = step === 'unusable' ? null : appearanceTheme(appearance);
  if (theme) classes.push('cancel-flow--themed');
  return (
    <section
      className={classes.join(' ')}
      style={theme?.style}
      data-cf-scheme={theme?.scheme}
      aria-labelledby="cancel-title"
      data-testid="cancel-step"
      data-step={step}
      data-hydrated={hydrated || undefined}
    >
      {page.embed ? <script dangerouslySetInnerHTML={{ __html: STORAGE_SHIM }} /> : null}
      {loaded.kind === 'flow' && loaded.flow.mode === 'TEST' && step !== 'unusable' ? (
        <Notice kind="info" testId="cancel-test-mode">
          Test mode: this runs the whole flow but changes nothing.
        </Notice>
      ) : null}
      {content}
    </section>
  );
}

type Failure = Extract<ActionResult, { kind: 'failure' }>;

/** "Keep my subscription": back to the account, or (embedded) closes the modal. */
function KeepLink({ label, page }: { label: string; page: Embed }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (!page.embed || !page.parentOrigin) return;
    event.preventDefault();
    postToParent(page.parentOrigin, { event: 'close' });
  };
  return (
    <p className="cancel-flow__keep">
      <Link to="/account" onClick={onClick} data-testid="cancel-keep">
        {label}
      </Link>
    </p>
  );
}

function ReasonStep({ flow, failure, page }: { flow: CancelFlowFieldsFragment; failure: Failure | undefined; page: Embed }) {
  const [hydrated, setHydrated] = useState(false);
  const [selected, setSelected] = useState<string>(failure?.values.reason ?? flow.reason ?? '');
  const choices = useRef<HTMLFieldSetElement>(null);
  useEffect(() => {
    // A reason picked before the page's script ran (a slow connection, a quick tap) counts.
    const picked = choices.current?.querySelector<HTMLInputElement>('input[name="reason"]:checked');
    if (picked) setSelected(picked.value);
    setHydrated(true);
  }, []);
  // Without JavaScript the comment box is always there; with it, only for reasons that ask.
  const askComment = !hydrated || flow.reasons.some((r) => r.reason === selected && r.askComment);
  const end = flow.subscription.currentPeriodEnd;
  const plan = flow.subscription.plan?.name;
  const { appearance } = flow;

  return (
    <>
      <h1 id="cancel-title">{appearance.title}</h1>
      <p className="muted">
        {plan ? `You’re about to cancel ${plan}. ` : ''}
        {appearance.intro}
        {end && flow.subscription.willRenew && !page.optOut ? ` Nothing changes until you confirm; your access runs until ${formatDate(end)} either way.` : ''}
      </p>
      <Form method="post" className="form" noValidate>
        <FormError message={failure?.formError} />
        <fieldset ref={choices} className="choices" aria-invalid={failure && !selected ? true : undefined}>
          <legend>Why are you cancelling?</legend>
          {flow.reasons.map((r) => (
            <label key={r.reason} className="choice">
              <input
                type="radio"
                name="reason"
                value={r.reason}
                // Uncontrolled: hydration must not undo a choice made before it.
                defaultChecked={(failure?.values.reason ?? flow.reason ?? '') === r.reason}
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
      <KeepLink label={appearance.keepLabel} page={page} />
    </>
  );
}

function OfferStep({
  flow,
  offer,
  failure,
  page,
}: {
  flow: CancelFlowFieldsFragment;
  offer: NonNullable<CancelFlowFieldsFragment['offer']> | null;
  failure: Failure | undefined;
  page: Embed;
}) {
  const kind = offer?.kind ?? 'NONE';
  const end = flow.subscription.currentPeriodEnd;
  const { appearance } = flow;
  const afterDecline =
    flow.store === 'APP_STORE'
      ? 'App Store subscriptions are cancelled in the App Store: the next step shows you where.'
      : end
        ? `Your subscription won’t renew. You keep access until ${formatDate(end)}.`
        : 'Your subscription won’t renew.';
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
                <a className="button button--primary" href={offer.supportUrl} target={page.embed ? '_blank' : undefined} rel="noopener noreferrer">
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
            <p>{page.optOut ? 'Confirm, and we’ll pass your answer on.' : afterDecline}</p>
          </div>
        )}
        <div className="actions">
          {kind !== 'NONE' && kind !== 'CONTACT_SUPPORT' ? <SubmitButton intent="accept">{appearance.acceptLabel}</SubmitButton> : null}
          <SubmitButton intent="decline" variant={kind === 'NONE' ? 'danger' : 'secondary'}>
            {appearance.declineLabel}
          </SubmitButton>
        </div>
      </Form>
      <KeepLink label={appearance.keepLabel} page={page} />
    </>
  );
}

function DoneContent({ result, manageUrl, page }: { result: CancelFlowResult; manageUrl: string | null | undefined; page: Embed }) {
  const { outcome, message } = result;
  const saved = outcome.startsWith('saved_') || outcome === 'contacted_support' || outcome === 'app_store_offer';

  // Embedded: the embedding page learns the outcome now; the modal closes when the user is done.
  const report = JSON.stringify(result);
  useEffect(() => {
    postToParent(page.parentOrigin, { event: 'complete', outcome: JSON.parse(report) as CancelFlowResult });
  }, [page.parentOrigin, report]);

  const embedded = page.embed && Boolean(page.parentOrigin);
  return (
    <>
      <h1 id="cancel-title">{saved ? 'Thanks for staying' : outcome === 'canceled' ? 'Your subscription is cancelled' : 'All done'}</h1>
      <div className="notice notice--success" role="status" data-testid="cancel-outcome" data-outcome={outcome}>
        {message}
      </div>
      <div className="actions">
        {manageUrl ? (
          <a className="button button--primary" href={manageUrl} target={page.embed ? '_blank' : undefined} rel="noopener noreferrer">
            Manage in the App Store
          </a>
        ) : null}
        {embedded ? (
          <button
            type="button"
            className={manageUrl ? 'button button--secondary' : 'button button--primary'}
            onClick={() => postToParent(page.parentOrigin, { event: 'close' })}
          >
            Done
          </button>
        ) : (
          <Link className={manageUrl ? 'button button--secondary' : 'button button--primary'} to="/account">
            Back to your account
          </Link>
        )}
      </div>
    </>
  );
}
