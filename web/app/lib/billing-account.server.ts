import { redirect } from '@remix-run/node';
import { z } from 'zod';
import {
  CancelSubscriptionDocument,
  ChangePlanDocument,
  CreateBillingPortalSessionDocument,
  MyBillingDocument,
  MySubscriptionsDocument,
  PlansDocument,
  PreviewPlanChangeDocument,
  ResumeSubscriptionDocument,
  StartCancelFlowDocument,
} from '~/graphql/generated';
import { throwIfSessionEnded, type SignedInUser } from './auth.server';
import { formatDate, type BillingIntent } from './billing';
import { billingErrorMessage, redirectToStripe } from './billing.server';
import { apiErrorToForm, formFailure, formValues, parseWith } from './forms.server';
import { ApiError, gql, isApiError } from './graphql.server';
import { env } from './env.server';
import { formatMoney } from './money';
import { flashNotice, sessionHeaders } from './session.server';

// The account page's billing section: what its loader reads and what its forms do. The route
// stays a dispatcher; the steps live here.

/** Subscriptions, plans and Stripe billing details; a part that fails becomes a message, not an error page. */
export async function loadAccountBilling(request: Request, accessToken: string) {
  const settle = <T,>(work: Promise<T>) =>
    work.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => {
        if (error instanceof ApiError && !isApiError(error, 'UNAUTHENTICATED', 'TOKEN_EXPIRED')) return { ok: false as const, error };
        throw error;
      },
    );
  const [subscriptions, billing, plans] = await Promise.all([
    settle(gql(request, MySubscriptionsDocument, {}, { accessToken })),
    settle(gql(request, MyBillingDocument, {}, { accessToken })),
    settle(gql(request, PlansDocument, {})),
  ]);
  return {
    subscriptions: subscriptions.ok ? (subscriptions.value.me?.subscriptions ?? []) : null,
    // Outside production, the account page says how to play the iPhone's side against the
    // local App Store sandbox; it needs the account's StoreKit appAccountToken for that.
    duplicate: subscriptions.ok ? Boolean(subscriptions.value.me?.duplicateSubscriptions) : false,
    appAccountToken: !env.isProduction && subscriptions.ok ? (subscriptions.value.me?.appAccountToken ?? null) : null,
    billing: billing.ok ? (billing.value.me?.billing ?? null) : null,
    plans: plans.ok ? plans.value.plans.map((p) => ({ key: p.key, name: p.name, priceLabel: p.priceLabel })) : [],
    problem: !subscriptions.ok
      ? billingErrorMessage(subscriptions.error)
      : !billing.ok
        ? 'Payment details and invoices can’t be shown right now. Try again in a few minutes.'
        : null,
  };
}

const idField = z.string().trim().min(1, 'Reload the page and try again.').max(100);
const planChangeSchema = z.object({ subscriptionId: idField, planKey: z.string().trim().min(1, 'Choose a plan.').max(100) });
const subscriptionSchema = z.object({ subscriptionId: idField });

/** The second step of a two-step form: what the page shows before the confirm button. */
export type BillingStep =
  | {
      ok: true;
      intent: 'preview-plan-change';
      subscriptionId: string;
      planKey: string;
      planName: string;
      /** "You'll be charged $3.00 now" / "You'll get $3.00 credit" / "Nothing to pay now" */
      dueNow: string;
      /** "Then $90.00 / year from 21 November 2026" */
      then: string;
    };

/**
 * Where to send the browser for a cancel flow. The API answers `${PUBLIC_WEB_URL}/cancel/<token>`;
 * a same-site path keeps the browser on the origin it is using (and never leaves this app).
 */
function cancelFlowPath(url: string, token: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.pathname.startsWith('/cancel/')) return `${parsed.pathname}${parsed.search}`;
  } catch {
    // fall through to the token
  }
  return `/cancel/${encodeURIComponent(token)}`;
}

export async function billingAction(request: Request, auth: SignedInUser, intent: BillingIntent, form: FormData) {
  const { accessToken, session } = auth;
  const values = formValues(form, ['subscriptionId', 'planKey'] as const);
  const fail = (formError: string | null, fieldErrors: Record<string, string> = {}) =>
    formFailure({ formError, fieldErrors, values: { subscriptionId: values.subscriptionId, planKey: values.planKey }, intent }, { headers: auth.headers });
  const done = async (text: string) => {
    flashNotice(session, { kind: 'success', text });
    return redirect('/account', { headers: await sessionHeaders(session) });
  };

  if (intent === 'billing-portal') {
    try {
      const { createBillingPortalSession } = await gql(request, CreateBillingPortalSessionDocument, {}, { accessToken });
      return redirectToStripe(createBillingPortalSession.url, auth.headers);
    } catch (error) {
      await throwIfSessionEnded(request, session, error);
      if (!isApiError(error)) throw error;
      return fail(billingErrorMessage(error));
    }
  }

  const needsPlan = intent === 'preview-plan-change' || intent === 'change-plan';
  const parsed = needsPlan ? parseWith(planChangeSchema, values) : parseWith(subscriptionSchema, values);
  if (!parsed.ok) return fail(parsed.fieldErrors.subscriptionId ?? null, parsed.fieldErrors);
  const subscriptionId = values.subscriptionId.trim();
  const planKey = values.planKey.trim();

  try {
    switch (intent) {
      case 'preview-plan-change': {
        const [{ previewPlanChange: preview }, { plans }] = await Promise.all([
          gql(request, PreviewPlanChangeDocument, { subscriptionId, planKey }, { accessToken }),
          gql(request, PlansDocument, {}),
        ]);
        const plan = plans.find((p) => p.key === planKey);
        const amount = formatMoney(Math.abs(preview.amountDue), preview.currency);
        const dueNow =
          preview.amountDue > 0 ? `You’ll be charged ${amount} now` : preview.amountDue < 0 ? `You’ll get ${amount} credit towards your next payments` : 'Nothing to pay now';
        const next = plan?.priceLabel ?? formatMoney(preview.nextAmount, preview.currency);
        const then = preview.nextBillingAt ? `Then ${next} from ${formatDate(preview.nextBillingAt)}` : `Then ${next}`;
        const step: BillingStep = { ok: true, intent, subscriptionId, planKey, planName: plan?.name ?? planKey, dueNow, then };
        return step;
      }
      case 'change-plan': {
        const { changePlan } = await gql(request, ChangePlanDocument, { subscriptionId, planKey }, { accessToken });
        return done(`Your plan is now ${changePlan.plan?.name ?? 'changed'}.`);
      }
      case 'cancel-subscription': {
        // The retention flow: its hosted page (/cancel/<token>) asks why, may offer something,
        // and only then cancels. Nothing changes yet.
        const { startCancelFlow } = await gql(request, StartCancelFlowDocument, { subscriptionId }, { accessToken });
        return redirect(cancelFlowPath(startCancelFlow.url, startCancelFlow.token), { headers: auth.headers });
      }
      case 'confirm-cancellation': {
        const { cancelSubscription } = await gql(request, CancelSubscriptionDocument, { id: subscriptionId }, { accessToken });
        const end = cancelSubscription.currentPeriodEnd ? ` You keep access until ${formatDate(cancelSubscription.currentPeriodEnd)}.` : '';
        return done(`Your subscription is cancelled and won’t renew.${end}`);
      }
      case 'resume-subscription': {
        const { resumeSubscription } = await gql(request, ResumeSubscriptionDocument, { id: subscriptionId }, { accessToken });
        const on = resumeSubscription.currentPeriodEnd ? ` It renews on ${formatDate(resumeSubscription.currentPeriodEnd)}.` : '';
        return done(`Your subscription will continue.${on}`);
      }
    }
  } catch (error) {
    await throwIfSessionEnded(request, session, error);
    if (!isApiError(error)) throw error;
    if (isApiError(error, 'BAD_USER_INPUT')) {
      const mapped = apiErrorToForm(error, needsPlan ? ['planKey'] : []);
      return fail(mapped.formError, mapped.fieldErrors as Record<string, string>);
    }
    return fail(billingErrorMessage(error));
  }
}
