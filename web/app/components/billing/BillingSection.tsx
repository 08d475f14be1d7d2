import { Form, Link, useFetcher, useRevalidator } from '@remix-run/react';
import { useEffect, useState, type FormEvent } from 'react';
import { CancelFlow } from '~/components/CancelFlow';
import { FormError } from '~/components/FormError';
import { Notice } from '~/components/Notice';
import { SubmitButton } from '~/components/SubmitButton';
import type { MyBillingQuery, SubscriptionFieldsFragment } from '~/graphql/generated';
import {
  cardBrand,
  formatDate,
  isLive,
  isManageableHere,
  renewalLine,
  statusInWords,
  statusTone,
  storeName,
} from '~/lib/billing';
import { formatMoney } from '~/lib/money';

type Billing = NonNullable<NonNullable<MyBillingQuery['me']>['billing']>;

export interface PlanOption {
  key: string;
  name: string;
  priceLabel: string;
}

/** What the account action answered for a billing form: a confirm step or a failure. */
export type BillingResult =
  | { ok: true; intent: 'preview-plan-change'; subscriptionId: string; planKey: string; planName: string; dueNow: string; then: string }
  | { ok: false; intent?: string; formError: string | null; fieldErrors: Partial<Record<string, string>>; values: Partial<Record<string, string>> };

/** The account action's answer to "Cancel subscription" sent by the page's JavaScript: the flow's session, for the modal. */
export interface CancelFlowStarted {
  ok: true;
  intent: 'start-cancel-flow';
  subscriptionId: string;
  token: string;
}

type CancelFetcherData = CancelFlowStarted | Extract<BillingResult, { ok: false }>;

interface BillingSectionProps {
  subscriptions: SubscriptionFieldsFragment[] | null;
  billing: Billing | null;
  plans: PlanOption[];
  problem: string | null;
  result: BillingResult | undefined;
}

/** Statuses that belong to the past: listed apart, without actions. */
const isPast = (s: SubscriptionFieldsFragment) => s.status === 'EXPIRED' || s.status === 'REVOKED';

export function BillingSection({ subscriptions, billing, plans, problem, result }: BillingSectionProps) {
  // The open cancel flow (its session token) lives here, not with its button: the button goes
  // away when the flow cancels the subscription, and the modal must stay until the user is done.
  const [flowToken, setFlowToken] = useState<string | null>(null);
  const revalidator = useRevalidator();
  const open = (subscriptions ?? []).filter((s) => !isPast(s));
  // A payment attempt left incomplete (e.g. the pay page, then hosted Checkout instead) means
  // nothing once another subscription is live; Stripe expires it within a day.
  const current = open.some(isLive) ? open.filter((s) => s.status !== 'INCOMPLETE') : open;
  const past = (subscriptions ?? []).filter(isPast);
  const hasStripe = Boolean(billing) || current.some((s) => s.store === 'STRIPE');
  const portalFailure = result && !result.ok && result.intent === 'billing-portal' ? result.formError : null;

  return (
    <section className="card" aria-labelledby="billing-title">
      <h2 id="billing-title">Subscription</h2>
      <CancelFlow
        session={flowToken}
        // The page behind shows the new state (a discount, "Ends on …") while the outcome is read.
        onComplete={() => revalidator.revalidate()}
        onClose={() => setFlowToken(null)}
      />
      {problem ? <Notice kind="error">{problem}</Notice> : null}

      {subscriptions && current.length === 0 ? (
        <div data-testid="no-subscription">
          <p>You don’t have a subscription.</p>
          <Link className="button button--primary" to="/pricing">
            See plans
          </Link>
        </div>
      ) : (
        <ul className="subscriptions">
          {current.map((s) => (
            <li key={s.id}>
              <SubscriptionItem subscription={s} plans={plans} result={result} flowOpen={flowToken !== null} onFlowStarted={setFlowToken} />
            </li>
          ))}
        </ul>
      )}

      {hasStripe ? (
        <div className="billing-details">
          <h3 id="payment-method-title">Payment method</h3>
          {billing?.defaultPaymentMethod ? (
            <p data-testid="payment-method">
              {cardBrand(billing.defaultPaymentMethod.brand)} ending in {billing.defaultPaymentMethod.last4}, expires{' '}
              {String(billing.defaultPaymentMethod.expMonth).padStart(2, '0')}/{billing.defaultPaymentMethod.expYear}
            </p>
          ) : billing ? (
            <p className="muted" data-testid="payment-method">
              No card on file.
            </p>
          ) : null}
          <Form method="post" className="inline-form">
            <FormError message={portalFailure} />
            <p className="muted">Update your card, download receipts or change billing details on Stripe’s secure page.</p>
            <SubmitButton intent="billing-portal" variant="secondary">
              Manage billing
            </SubmitButton>
          </Form>
          {billing && billing.invoices.length > 0 ? <Invoices invoices={billing.invoices} /> : null}
        </div>
      ) : null}

      {past.length > 0 ? (
        <details className="past-subscriptions">
          <summary>Past subscriptions ({past.length})</summary>
          <ul className="subscriptions">
            {past.map((s) => (
              <li key={s.id} className="subscription" data-testid="past-subscription">
                {s.plan?.name ?? 'Subscription'} · {storeName(s.store)} · {renewalLine(s) ?? statusInWords(s.status)}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

interface SubscriptionItemProps {
  subscription: SubscriptionFieldsFragment;
  plans: PlanOption[];
  result: BillingResult | undefined;
  flowOpen: boolean;
  onFlowStarted: (token: string) => void;
}

function SubscriptionItem({ subscription: s, plans, result, flowOpen, onFlowStarted }: SubscriptionItemProps) {
  const mine = result && (result.ok ? result.subscriptionId === s.id : result.values.subscriptionId === s.id) ? result : undefined;
  const failure = mine && !mine.ok ? mine : undefined;
  const preview = mine?.ok && mine.intent === 'preview-plan-change' ? mine : undefined;
  const tone = statusTone(s);
  const renewal = renewalLine(s);
  const manageable = isManageableHere(s);
  const otherPlans = plans.filter((p) => p.key !== s.plan?.key);
  const titleId = `subscription-${s.id}`;
  const discount = discountLine(s.discount);
  // App Store subscriptions are cancelled in the App Store, but the flow still asks why first
  // and may make an offer (a signed promotional offer), then shows where to cancel.
  const cancellableInAppStore = s.store === 'APP_STORE' && s.willRenew && isLive(s);

  return (
    <article className="subscription" aria-labelledby={titleId}>
      <h3 id={titleId}>
        <span data-testid="subscription-plan">{s.plan?.name ?? 'Subscription'}</span>
        <span className={`badge badge--${tone}`} data-testid="subscription-status" data-status={s.status}>
          {statusInWords(s.status)}
        </span>
      </h3>
      <dl className="details">
        {s.plan ? (
          <div>
            <dt>Price</dt>
            <dd>{s.plan.priceLabel}</dd>
          </div>
        ) : null}
        {renewal ? (
          <div>
            <dt>{s.status === 'ACTIVE' || s.status === 'TRIALING' ? (s.willRenew ? 'Renewal' : 'Access') : 'Payment'}</dt>
            <dd data-testid="subscription-renewal">{renewal}</dd>
          </div>
        ) : null}
        {discount ? (
          <div>
            <dt>Discount</dt>
            <dd data-testid="subscription-discount">{discount}</dd>
          </div>
        ) : null}
        <div>
          <dt>Bought through</dt>
          <dd data-testid="subscription-store">{storeName(s.store)}</dd>
        </div>
      </dl>

      {failure?.formError ? <FormError message={failure.formError} /> : null}

      {s.store === 'APP_STORE' ? (
        <p className="muted">
          Manage it in the App Store on your iPhone (Settings → your name → Subscriptions)
          {s.managementUrl ? (
            <>
              {' '}
              or <a href={s.managementUrl}>open your App Store subscriptions</a>
            </>
          ) : null}
          .
        </p>
      ) : null}

      {cancellableInAppStore ? <CancelButton subscriptionId={s.id} flowOpen={flowOpen} onStarted={onFlowStarted} /> : null}

      {s.store === 'STRIPE' && s.status === 'INCOMPLETE' && s.plan ? (
        <div className="actions">
          <Link className="button button--primary" to={`/subscribe/${encodeURIComponent(s.plan.key)}`}>
            Complete payment
          </Link>
        </div>
      ) : null}

      {manageable ? (
        <>
          {s.willRenew && otherPlans.length > 0 && !preview ? (
            <Form method="post" className="form" noValidate>
              <input type="hidden" name="subscriptionId" value={s.id} />
              <div className={failure?.fieldErrors.planKey ? 'field select-field field--invalid' : 'field select-field'}>
                <label htmlFor={`plan-${s.id}`}>Switch to</label>
                <select
                  id={`plan-${s.id}`}
                  name="planKey"
                  defaultValue={failure?.values.planKey || otherPlans[0]?.key}
                  aria-invalid={failure?.fieldErrors.planKey ? true : undefined}
                  aria-describedby={failure?.fieldErrors.planKey ? `plan-${s.id}-error` : undefined}
                >
                  {otherPlans.map((p) => (
                    <option key={p.key} value={p.key}>
                      {p.name} — {p.priceLabel}
                    </option>
                  ))}
                </select>
                {failure?.fieldErrors.planKey ? (
                  <p id={`plan-${s.id}-error`} className="field-error">
                    {failure.fieldErrors.planKey}
                  </p>
                ) : null}
              </div>
              <SubmitButton intent="preview-plan-change" variant="secondary">
                Change plan
              </SubmitButton>
            </Form>
          ) : null}

          {preview ? (
            <Form method="post" className="confirm-box" data-testid="plan-change-preview">
              <input type="hidden" name="subscriptionId" value={s.id} />
              <input type="hidden" name="planKey" value={preview.planKey} />
              <p>
                <strong>Switch to {preview.planName}?</strong>
              </p>
              <p data-testid="plan-change-amount">
                {preview.dueNow}. {preview.then}.
              </p>
              <div className="actions">
                <SubmitButton intent="change-plan" autoFocus>
                  Confirm plan change
                </SubmitButton>
                <Link className="button button--secondary" to="/account" preventScrollReset>
                  Keep my plan
                </Link>
              </div>
            </Form>
          ) : null}

          {s.willRenew ? (
            <CancelButton subscriptionId={s.id} flowOpen={flowOpen} onStarted={onFlowStarted} />
          ) : (
            <Form method="post" className="actions">
              <input type="hidden" name="subscriptionId" value={s.id} />
              <SubmitButton intent="resume-subscription">Resume subscription</SubmitButton>
            </Form>
          )}
        </>
      ) : null}
    </article>
  );
}

/**
 * "Cancel subscription" starts the retention flow, which asks why first. Without JavaScript the
 * form posts and the action redirects to the hosted page (/cancel/<token>). With it, the action
 * answers the session to a fetcher and the flow opens in a modal over this page; when it ends,
 * the page reloads its data so the new state (a discount, "Ends on …") shows at once.
 */
function CancelButton({ subscriptionId, flowOpen, onStarted }: { subscriptionId: string; flowOpen: boolean; onStarted: (token: string) => void }) {
  // Not keyed: its answer (a token that is spent once used) goes away with the button.
  const fetcher = useFetcher<CancelFetcherData>();
  const busy = fetcher.state !== 'idle';
  const answer = fetcher.data;

  useEffect(() => {
    if (fetcher.state === 'idle' && answer?.ok && answer.intent === 'start-cancel-flow') onStarted(answer.token);
    // Once per answer: a new submission brings a new token.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fetcher.state, answer]);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || flowOpen) return;
    fetcher.submit({ intent: 'cancel-subscription', subscriptionId, flow: 'modal' }, { method: 'post' });
  };

  return (
    <Form method="post" className="actions" onSubmit={onSubmit}>
      {answer && !answer.ok ? <FormError message={answer.formError} /> : null}
      <input type="hidden" name="subscriptionId" value={subscriptionId} />
      <SubmitButton intent="cancel-subscription" variant="danger" aria-busy={busy || undefined} data-pending={busy || undefined}>
        Cancel subscription
      </SubmitButton>
    </Form>
  );
}

const discountDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** "30% off until 21 Feb 2027", "$5.00 off", or null without a discount. */
function discountLine(discount: SubscriptionFieldsFragment['discount']): string | null {
  if (!discount) return null;
  const amount =
    discount.percentOff !== null && discount.percentOff > 0
      ? `${Number(discount.percentOff.toFixed(2))}% off`
      : discount.amountOff !== null && discount.amountOff > 0 && discount.currency
        ? `${formatMoney(discount.amountOff, discount.currency)} off`
        : (discount.name ?? 'Discount');
  return discount.endsAt ? `${amount} until ${discountDate.format(new Date(discount.endsAt))}` : amount;
}

const INVOICE_STATUS: Record<string, string> = { paid: 'Paid', open: 'Due', void: 'Void', uncollectible: 'Unpaid', draft: 'Draft' };

function Invoices({ invoices }: { invoices: Billing['invoices'] }) {
  return (
    <>
      <h3 id="invoices-title">Invoices</h3>
      <div className="table-scroll">
      <table className="invoices" aria-labelledby="invoices-title">
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col" className="invoice-number">
              Number
            </th>
            <th scope="col">Amount</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Link</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {invoices.map((invoice) => (
            <tr key={invoice.id} data-testid="invoice-row">
              <td>{formatDate(invoice.createdAt)}</td>
              <td className="invoice-number">{invoice.number ?? '—'}</td>
              <td className="amount">{formatMoney(invoice.status === 'paid' ? invoice.amountPaid : invoice.amountDue, invoice.currency)}</td>
              <td>{INVOICE_STATUS[invoice.status] ?? invoice.status}</td>
              <td>
                {invoice.hostedInvoiceUrl ? (
                  <a href={invoice.hostedInvoiceUrl} target="_blank" rel="noopener noreferrer">
                    View
                    <span className="visually-hidden"> invoice {invoice.number ?? formatDate(invoice.createdAt)} (opens in a new tab)</span>
                  </a>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </>
  );
}
