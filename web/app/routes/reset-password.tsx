import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { NewPasswordField } from '~/components/Field';
import { FormError } from '~/components/FormError';
import { SubmitButton } from '~/components/SubmitButton';
import { ResetPasswordDocument } from '~/graphql/generated';
import { apiErrorToForm, formFailure, formValues, newPasswordField, parseWith, readForm } from '~/lib/forms.server';
import { gql, isApiError } from '~/lib/graphql.server';
import { clearTokens, flashNotice, getSession, sessionHeaders } from '~/lib/session.server';

export const meta: MetaFunction = () => [
  { title: 'Choose a new password · Crossbill' },
  // The token is in the URL: never send it to other sites in a Referer header. (Not
  // no-referrer: that makes browsers send `Origin: null` on form posts, which are refused.)
  { name: 'referrer', content: 'same-origin' },
];

const FIELDS = ['newPassword'] as const;
const schema = z.object({
  token: z.string().min(1, 'This reset link is incomplete. Request a new one.').max(200, 'This reset link is not valid. Request a new one.'),
  newPassword: newPasswordField,
});

const INVALID_LINK = 'This reset link is not valid any more: it may have expired or been used already. Request a new one.';

export async function loader({ request }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get('token') ?? '';
  return { token };
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const values = formValues(form, ['token', 'newPassword'] as const);
  const parsed = parseWith(schema, values);
  if (!parsed.ok) {
    const { token: tokenProblem, ...fieldErrors } = parsed.fieldErrors;
    return formFailure({ formError: tokenProblem ?? null, fieldErrors, values: {}, intent: tokenProblem ? 'invalid-token' : undefined });
  }
  try {
    await gql(request, ResetPasswordDocument, { token: parsed.data.token, newPassword: parsed.data.newPassword });
  } catch (error) {
    if (!isApiError(error)) throw error;
    if (error.code === 'INVALID_TOKEN' || error.fields.some((f) => f.field === 'token')) {
      return formFailure({ formError: INVALID_LINK, fieldErrors: {}, values: {}, intent: 'invalid-token' });
    }
    return formFailure({ ...apiErrorToForm(error, FIELDS), values: {} });
  }
  // The API ended every sign-in of the account, this browser's included.
  const session = await getSession(request);
  clearTokens(session);
  flashNotice(session, { kind: 'success', text: 'Your password was changed. Log in with your new password.' });
  return redirect('/login', { headers: await sessionHeaders(session) });
}

export default function ResetPassword() {
  const { token } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result?.fieldErrors ?? {};
  if (!token) {
    return (
      <section className="card card--narrow">
        <h1 id="reset-title">This link is incomplete</h1>
        <p>Open the link from the email exactly as it is, or ask for a new one.</p>
        <p>
          <Link className="button button--primary" to="/forgot-password">
            Request a new link
          </Link>
        </p>
      </section>
    );
  }
  return (
    <section className="card card--narrow">
      <h1 id="reset-title">Choose a new password</h1>
      <p className="muted">After this, you will be signed out on every device and can log in with the new password.</p>
      <Form method="post" noValidate className="form">
        <FormError message={result?.formError} hasFieldErrors={Object.keys(errors).length > 0} />
        {result?.intent === 'invalid-token' ? (
          <p>
            <Link to="/forgot-password">Request a new reset link</Link>
          </p>
        ) : null}
        <input type="hidden" name="token" value={token} />
        <NewPasswordField error={errors.newPassword} />
        <SubmitButton>Set new password</SubmitButton>
      </Form>
    </section>
  );
}
