import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { EmailField, Field } from '~/components/Field';
import { FormError } from '~/components/FormError';
import { ProviderButtons } from '~/components/ProviderButtons';
import { Notice } from '~/components/Notice';
import { SubmitButton } from '~/components/SubmitButton';
import { LoginDocument } from '~/graphql/generated';
import { requireAnonymous, signInAndRedirect } from '~/lib/auth.server';
import { apiErrorToForm, currentPasswordField, emailField, formFailure, formValues, parseWith, readForm } from '~/lib/forms.server';
import { gql, isApiError } from '~/lib/graphql.server';
import { availableProviders } from '~/lib/oauth/authenticator.server';
import { safeRedirect } from '~/lib/safe-redirect';
import { popNotice } from '~/lib/session.server';

export const meta: MetaFunction = () => [{ title: 'Log in · Crossbill' }];

const FIELDS = ['email', 'password'] as const;
const loginSchema = z.object({ email: emailField, password: currentPasswordField() });

export async function loader({ request }: LoaderFunctionArgs) {
  const session = await requireAnonymous(request);
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get('redirectTo'), '');
  const { notice, headers } = await popNotice(session);
  return data({ notice, redirectTo, providers: availableProviders() }, { headers });
}

export async function action({ request }: ActionFunctionArgs) {
  const session = await requireAnonymous(request);
  const form = await readForm(request);
  const values = formValues(form, FIELDS);
  const redirectTo = safeRedirect(form.get('redirectTo'), '/account');
  const kept = { email: values.email };
  const parsed = parseWith(loginSchema, values);
  if (!parsed.ok) return formFailure({ formError: null, fieldErrors: parsed.fieldErrors, values: kept });
  try {
    const { login } = await gql(request, LoginDocument, { input: parsed.data });
    return signInAndRedirect(session, login, redirectTo);
  } catch (error) {
    if (!isApiError(error)) throw error;
    return formFailure({ ...apiErrorToForm(error, FIELDS), values: kept });
  }
}

export default function Login() {
  const { notice, redirectTo, providers } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result?.fieldErrors ?? {};
  return (
    <section className="card card--narrow">
      <h1 id="login-title">Log in</h1>
      {notice ? (
        <Notice kind={notice.kind} testId="login-notice">
          {notice.text}
        </Notice>
      ) : null}
      <ProviderButtons providers={providers} redirectTo={redirectTo} />
      <Form method="post" noValidate className="form">
        <FormError message={result?.formError} hasFieldErrors={Object.keys(errors).length > 0} />
        {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
        <EmailField defaultValue={result?.values.email} error={errors.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.password}
          hint={<Link to="/forgot-password">Forgot your password?</Link>}
        />
        <SubmitButton>Log in</SubmitButton>
      </Form>
      <p className="form-footer">
        New to Crossbill? <Link to={redirectTo ? `/signup?redirectTo=${encodeURIComponent(redirectTo)}` : '/signup'}>Create an account</Link>
      </p>
    </section>
  );
}
