import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { BillingSection, type BillingResult, type CancelFlowStarted } from '~/components/billing/BillingSection';
import { Field, NewPasswordField } from '~/components/Field';
import { FormError } from '~/components/FormError';
import { LiveStatus } from '~/components/LiveStatus';
import { Notice } from '~/components/Notice';
import { SignInMethods, type UnlinkResult } from '~/components/SignInMethods';
import { SubmitButton } from '~/components/SubmitButton';
import { ChangePasswordDocument, LogoutEverywhereDocument, RequestEmailVerificationDocument, StartCancelFlowDocument } from '~/graphql/generated';
import { requireUser, throwIfSessionEnded, tokensOf, type SignedInUser } from '~/lib/auth.server';
import { isBillingIntent } from '~/lib/billing';
import { useLiveRevalidation } from '~/lib/live';
import { billingAction, loadAccountBilling } from '~/lib/billing-account.server';
import { billingErrorMessage } from '~/lib/billing.server';
import { apiErrorToForm, currentPasswordField, formFailure, formValues, newPasswordField, parseWith, readForm } from '~/lib/forms.server';
import { gql, isApiError } from '~/lib/graphql.server';
import { loadSignInMethods, signInMethodAction } from '~/lib/sign-in-methods.server';
import { isSignInMethodIntent } from '~/lib/sign-in-methods';
import { clearTokens, flashNotice, popNotice, sessionHeaders, storeTokens } from '~/lib/session.server';

export const meta: MetaFunction = () => [{ title: 'Your account · Crossbill' }];

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const [{ notice, headers }, billing, signIn] = await Promise.all([
    popNotice(auth.session, auth.headers),
    loadAccountBilling(request, auth.accessToken),
    loadSignInMethods(request, auth.accessToken),
  ]);
  const { user } = auth;
  return data(
    {
      notice,
      billing,
      signIn,
      user: {
        name: user.name,
        email: user.email,
        emailVerified: user.emailVerified,
        memberSince: dateFormat.format(new Date(user.createdAt)),
      },
    },
    { headers },
  );
}

const PASSWORD_FIELDS = ['currentPassword', 'newPassword'] as const;
const changePasswordSchema = z
  .object({
    currentPassword: currentPasswordField('Enter your current password.'),
    newPassword: newPasswordField,
  })
  .refine((v) => v.currentPassword !== v.newPassword, {
    path: ['newPassword'],
    message: 'Choose a password different from the current one.',
  });

const INTENTS = ['change-password', 'resend-verification', 'logout-everywhere'] as const;
type Intent = (typeof INTENTS)[number];

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const auth = await requireUser(request);
  const { session, accessToken } = auth;
  const intent = form.get('intent') as Intent;
  // With JavaScript, "Cancel subscription" opens the flow in a modal over this page: the
  // session comes back to the page's fetcher. Without, billingAction redirects to the flow.
  if (form.get('intent') === 'cancel-subscription' && form.get('flow') === 'modal') return startCancelFlowInModal(request, auth, form);
  if (isBillingIntent(intent)) return billingAction(request, auth, intent, form);
  if (isSignInMethodIntent(intent)) return signInMethodAction(request, auth, intent, form);
  if (!INTENTS.includes(intent)) {
    return formFailure({ formError: 'Unknown action. Reload the page and try again.', fieldErrors: {}, values: {} }, { headers: auth.headers });
  }

  try {
    switch (intent) {
      case 'change-password': {
        const values = formValues(form, PASSWORD_FIELDS);
        const parsed = parseWith(changePasswordSchema, values);
        if (!parsed.ok) return formFailure({ formError: null, fieldErrors: parsed.fieldErrors, values: {}, intent }, { headers: auth.headers });
        const { changePassword } = await gql(request, ChangePasswordDocument, { input: parsed.data }, { accessToken });
        // The API ended every other sign-in; these tokens replace ours.
        storeTokens(session, tokensOf(changePassword));
        flashNotice(session, { kind: 'success', text: 'Your password was changed. You were signed out on your other devices.' });
        return redirect('/account', { headers: await sessionHeaders(session) });
      }
      case 'resend-verification': {
        await gql(request, RequestEmailVerificationDocument, {}, { accessToken });
        flashNotice(session, {
          kind: 'success',
          text: auth.user.emailVerified
            ? 'Your email address is already confirmed.'
            : `We sent a new confirmation link to ${auth.user.email}.`,
        });
        return redirect('/account', { headers: await sessionHeaders(session) });
      }
      case 'logout-everywhere': {
        await gql(request, LogoutEverywhereDocument, {}, { accessToken });
        clearTokens(session);
        flashNotice(session, { kind: 'info', text: 'You were signed out on every device.' });
        return redirect('/login', { headers: await sessionHeaders(session) });
      }
    }
  } catch (error) {
    await throwIfSessionEnded(request, session, error);
    if (!isApiError(error)) throw error;
    const fields = intent === 'change-password' ? PASSWORD_FIELDS : [];
    return formFailure({ ...apiErrorToForm(error, fields), values: {}, intent }, { headers: auth.headers });
  }
}

async function startCancelFlowInModal(request: Request, auth: SignedInUser, form: FormData) {
  const subscriptionId = String(form.get('subscriptionId') ?? '').trim().slice(0, 100);
  try {
    const { startCancelFlow } = await gql(request, StartCancelFlowDocument, { subscriptionId }, { accessToken: auth.accessToken });
    // The token only: the modal opens the flow on the origin this page is on.
    const started: CancelFlowStarted = { ok: true, intent: 'start-cancel-flow', subscriptionId, token: startCancelFlow.token };
    return data(started, { headers: auth.headers });
  } catch (error) {
    await throwIfSessionEnded(request, auth.session, error);
    if (!isApiError(error)) throw error;
    return formFailure({ formError: billingErrorMessage(error), fieldErrors: {}, values: { subscriptionId }, intent: 'cancel-subscription' }, { headers: auth.headers });
  }
}

const isBillingResult = (value: { intent?: string }): value is BillingResult => isBillingIntent(value.intent);
const isUnlinkResult = (value: { intent?: string }): value is UnlinkResult => isSignInMethodIntent(value.intent);

export default function Account() {
  const { user, notice, billing, signIn } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  // A purchase on the iPhone, a webhook, a refund: the page re-runs its loader and shows it.
  const live = useLiveRevalidation();
  const billingResult = actionData && isBillingResult(actionData) ? actionData : undefined;
  const unlinkResult = actionData && isUnlinkResult(actionData) ? actionData : undefined;
  const result = actionData && !actionData.ok && !billingResult && !unlinkResult ? actionData : undefined;
  // Unknown (the section failed to load) counts as having one, as before this section existed.
  const hasPassword = signIn.methods?.hasPassword ?? true;
  const failed = (intent: Intent) => (result?.intent === intent || (!result?.intent && intent === 'change-password') ? result : undefined);
  const password = failed('change-password');
  const resend = failed('resend-verification');
  const everywhere = failed('logout-everywhere');
  const passwordErrors = password?.fieldErrors ?? {};

  return (
    <div className="stack">
      <div className="page-heading">
        <h1>Your account</h1>
        <LiveStatus state={live} />
      </div>
      {notice ? (
        <Notice kind={notice.kind} testId="account-notice">
          {notice.text}
        </Notice>
      ) : null}

      <section className="card">
        <h2 id="profile-title">Profile</h2>
        <dl className="details">
          <div>
            <dt>Name</dt>
            <dd data-testid="account-name">{user.name}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>
              <span data-testid="account-email">{user.email}</span>{' '}
              {user.emailVerified ? (
                <span className="badge badge--ok" data-testid="email-status">
                  Verified
                </span>
              ) : (
                <span className="badge badge--warn" data-testid="email-status">
                  Not verified
                </span>
              )}
            </dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{user.memberSince}</dd>
          </div>
        </dl>
        {user.emailVerified ? null : (
          <Form method="post" className="inline-form">
            <FormError message={resend?.formError} />
            <p className="muted">Confirm your email address with the link we sent you. No email? We can send it again.</p>
            <SubmitButton intent="resend-verification" variant="secondary">
              Resend verification email
            </SubmitButton>
          </Form>
        )}
      </section>

      {billing.duplicate ? (
        <div className="notice notice--error" role="alert" data-testid="duplicate-subscriptions">
          <strong>You’re paying twice for the same plan</strong>, on the web and in the App Store. Keep one: cancel the web
          subscription below, or on your iPhone open Settings → your name → Subscriptions and cancel the App Store one. Access
          continues until the cancelled one’s paid period ends.
        </div>
      ) : null}

      <BillingSection
        subscriptions={billing.subscriptions}
        billing={billing.billing}
        plans={billing.plans}
        problem={billing.problem}
        result={billingResult}
      />

      {billing.appAccountToken ? (
        <section className="card" aria-labelledby="iphone-title" data-testid="iphone-sandbox">
          <h2 id="iphone-title">iPhone purchases (development)</h2>
          <p className="muted">
            The iPhone app passes this account’s token to StoreKit, so an App Store purchase lands here. Without a phone, play the
            iPhone’s side against the local App Store:
          </p>
          <pre className="code">
            <code data-testid="app-account-token-command">{`npm run appstore -- purchase --app-account-token ${billing.appAccountToken} --product com.crossbill.pro.monthly`}</code>
          </pre>
          <p className="muted">
            Then send the printed <code>signedTransaction</code> to the API’s <code>verifyAppleTransaction</code>, as the app does.
          </p>
        </section>
      ) : null}

      <SignInMethods methods={signIn.methods} problem={signIn.problem} providers={signIn.providers} result={unlinkResult} />

      {hasPassword ? (
      <section className="card">
        <h2 id="password-title">Change password</h2>
        <p className="muted">You stay signed in here; every other device is signed out.</p>
        <Form method="post" noValidate className="form">
          <FormError message={password?.formError} hasFieldErrors={Object.keys(passwordErrors).length > 0} />
          {/* Lets password managers know which account the new password belongs to. */}
          <input type="text" name="username" autoComplete="username" value={user.email} readOnly hidden />
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            error={passwordErrors.currentPassword}
          />
          <NewPasswordField error={passwordErrors.newPassword} />
          <SubmitButton intent="change-password">Change password</SubmitButton>
        </Form>
      </section>
      ) : null}

      <section className="card">
        <h2 id="signout-title">Sign out</h2>
        <p className="muted">Log out of this browser, or sign out everywhere — every browser and the iPhone app.</p>
        <FormError message={everywhere?.formError} />
        <div className="actions">
          <Form method="post" action="/logout">
            <SubmitButton formActionPath="/logout" variant="secondary">
              Log out
            </SubmitButton>
          </Form>
          <Form method="post">
            <SubmitButton intent="logout-everywhere" variant="danger">
              Sign out everywhere
            </SubmitButton>
          </Form>
        </div>
      </section>
    </div>
  );
}
