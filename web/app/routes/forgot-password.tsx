import { data, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData } from '@remix-run/react';
import { z } from 'zod';
import { EmailField } from '~/components/Field';
import { FormError } from '~/components/FormError';
import { Notice } from '~/components/Notice';
import { SubmitButton } from '~/components/SubmitButton';
import { RequestPasswordResetDocument } from '~/graphql/generated';
import { apiErrorToForm, emailField, formFailure, formValues, parseWith, readForm } from '~/lib/forms.server';
import { gql, isApiError } from '~/lib/graphql.server';

export const meta: MetaFunction = () => [{ title: 'Forgot your password? · Crossbill' }];

const FIELDS = ['email'] as const;
const schema = z.object({ email: emailField });

export async function action({ request }: ActionFunctionArgs) {
  const values = formValues(await readForm(request), FIELDS);
  const parsed = parseWith(schema, values);
  if (!parsed.ok) return formFailure({ formError: null, fieldErrors: parsed.fieldErrors, values });
  try {
    await gql(request, RequestPasswordResetDocument, { email: parsed.data.email });
  } catch (error) {
    if (!isApiError(error)) throw error;
    return formFailure({ ...apiErrorToForm(error, FIELDS), values });
  }
  // The same answer whether or not the address has an account.
  return data({ ok: true as const, email: parsed.data.email });
}

export default function ForgotPassword() {
  const result = useActionData<typeof action>();
  if (result?.ok) {
    return (
      <section className="card card--narrow">
        <h1 id="forgot-title">Check your email</h1>
        <Notice kind="success" testId="reset-link-sent">
          If there is an account for <strong>{result.email}</strong>, we have sent it a link to choose a new password.
        </Notice>
        <p>The link works once, for 60 minutes. It can take a minute to arrive; check your spam folder too.</p>
        <p className="form-footer">
          <Link to="/login">Back to log in</Link>
        </p>
      </section>
    );
  }
  const errors = result?.fieldErrors ?? {};
  return (
    <section className="card card--narrow">
      <h1 id="forgot-title">Forgot your password?</h1>
      <p className="muted">Enter the email address of your account and we will send you a link to choose a new password.</p>
      <Form method="post" noValidate className="form">
        <FormError message={result?.formError} hasFieldErrors={Object.keys(errors).length > 0} />
        <EmailField defaultValue={result?.values.email} error={errors.email} />
        <SubmitButton>Send reset link</SubmitButton>
      </Form>
      <p className="form-footer">
        Remembered it? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}
