import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { EmailField, Field, NewPasswordField } from '~/components/Field';
import { FormError } from '~/components/FormError';
import { ProviderButtons } from '~/components/ProviderButtons';
import { SubmitButton } from '~/components/SubmitButton';
import { SignupDocument } from '~/graphql/generated';
import { requireAnonymous, signInAndRedirect } from '~/lib/auth.server';
import { apiErrorToForm, emailField, formFailure, formValues, nameField, newPasswordField, parseWith, readForm } from '~/lib/forms.server';
import { gql, isApiError } from '~/lib/graphql.server';
import { availableProviders } from '~/lib/oauth/authenticator.server';
import { PASSWORD_MIN_LENGTH } from '~/lib/password-rules';
import { safeRedirect } from '~/lib/safe-redirect';

export const meta: MetaFunction = () => [{ title: 'Create your account · Crossbill' }];

const FIELDS = ['name', 'email', 'password'] as const;
const signupSchema = z.object({ name: nameField, email: emailField, password: newPasswordField });

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAnonymous(request);
  // Where to go once the account exists (e.g. the pay page someone was on their way to).
  return { redirectTo: safeRedirect(new URL(request.url).searchParams.get('redirectTo'), ''), providers: availableProviders() };
}

export async function action({ request }: ActionFunctionArgs) {
  const session = await requireAnonymous(request);
  const form = await readForm(request);
  const values = formValues(form, FIELDS);
  const redirectTo = safeRedirect(form.get('redirectTo'), '/account');
  const kept = { name: values.name, email: values.email };
  const parsed = parseWith(signupSchema, values);
  if (!parsed.ok) return formFailure({ formError: null, fieldErrors: parsed.fieldErrors, values: kept });
  try {
    const { signup } = await gql(request, SignupDocument, { input: parsed.data });
    return signInAndRedirect(session, signup, redirectTo, {
      kind: 'success',
      text: `We sent a confirmation link to ${signup.user.email}. Open it to confirm your email address.`,
    });
  } catch (error) {
    if (!isApiError(error)) throw error;
    return formFailure({ ...apiErrorToForm(error, FIELDS), values: kept });
  }
}

export default function Signup() {
  const { redirectTo, providers } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result?.fieldErrors ?? {};
  return (
    <section className="card card--narrow">
      <h1 id="signup-title">Create your account</h1>
      <p className="muted">One account for Crossbill on the web and on iPhone.</p>
      <ProviderButtons providers={providers} redirectTo={redirectTo} />
      <Form method="post" noValidate className="form">
        <FormError message={result?.formError} hasFieldErrors={Object.keys(errors).length > 0} />
        {redirectTo ? <input type="hidden" name="redirectTo" value={redirectTo} /> : null}
        <Field
          label="Name"
          name="name"
          type="text"
          autoComplete="name"
          autoCapitalize="words"
          required
          maxLength={100}
          defaultValue={result?.values.name}
          error={errors.name}
        />
        <EmailField defaultValue={result?.values.email} error={errors.email} />
        <NewPasswordField
          label="Password"
          name="password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a strong password.`}
          error={errors.password}
        />
        <SubmitButton>Create account</SubmitButton>
      </Form>
      <p className="form-footer">
        Already have an account? <Link to={redirectTo ? `/login?redirectTo=${encodeURIComponent(redirectTo)}` : '/login'}>Log in</Link>
      </p>
    </section>
  );
}
