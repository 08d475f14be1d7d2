import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { adminGql } from '~/components/admin/admin.server';
import { FlowConfigForm } from '~/components/admin/FlowConfigForm';
import { fieldMessage, formFieldOf, stateFromConfig, stateFromForm, toInput, type ConfigFormState } from '~/components/admin/flow-config-form';
import { formatDateTime } from '~/components/admin/retention-words';
import { Notice } from '~/components/Notice';
import { SubmitButton } from '~/components/SubmitButton';
import {
  AdminResetRetentionFlowConfigDocument,
  AdminRetentionFlowConfigDocument,
  AdminUpdateRetentionFlowConfigDocument,
} from '~/graphql/generated';
import { requireUser } from '~/lib/auth.server';
import { readForm } from '~/lib/forms.server';
import { isApiError } from '~/lib/graphql.server';
import { flashNotice, popNotice, sessionHeaders } from '~/lib/session.server';

// /admin/retention/config: the whole cancel-flow configuration in one plain form — copy and
// colours, then each of Stripe's eight reasons (on or off, position, label, comment box, one
// offer). Saved as a whole; the API validates it and its per-field problems appear next to the
// fields, with everything typed kept.

export const meta: MetaFunction = () => [{ title: 'Cancel flow · Admin · Crossbill' }, { name: 'robots', content: 'noindex' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const { retentionFlowConfig, plans } = await adminGql(request, auth, AdminRetentionFlowConfigDocument, {});
  const { notice, headers } = await popNotice(auth.session, auth.headers);
  return data(
    {
      notice,
      plans: plans.map((p) => ({ key: p.key, label: `${p.name} (${p.priceLabel})` })),
      state: stateFromConfig(retentionFlowConfig),
      updatedAt: retentionFlowConfig.updatedAt ? formatDateTime(retentionFlowConfig.updatedAt) : null,
      // Remounts the form with the saved values after a save or reset.
      revision: retentionFlowConfig.updatedAt ?? 'default',
    },
    { headers },
  );
}

export interface ConfigFailure {
  ok: false;
  formError: string | null;
  fieldErrors: Record<string, string>;
  values: ConfigFormState;
}

const fail = (failure: Omit<ConfigFailure, 'ok'>, headers: Headers) => data<ConfigFailure>({ ok: false, ...failure }, { status: 400, headers });

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const auth = await requireUser(request);
  const intent = form.get('intent');

  if (intent === 'reset') {
    await adminGql(request, auth, AdminResetRetentionFlowConfigDocument, {});
    flashNotice(auth.session, { kind: 'success', text: 'The cancel flow is back to the default configuration.' });
    return redirect('/admin/retention/config', { headers: await sessionHeaders(auth.session) });
  }

  const values = stateFromForm(form);
  const built = toInput(values);
  if (!built.ok) return fail({ formError: null, fieldErrors: built.fieldErrors, values }, auth.headers);
  try {
    await adminGql(request, auth, AdminUpdateRetentionFlowConfigDocument, { input: built.input });
  } catch (error) {
    if (!isApiError(error, 'BAD_USER_INPUT')) throw error;
    const fieldErrors: Record<string, string> = {};
    const leftOver: string[] = [];
    for (const problem of error.fields) {
      const name = formFieldOf(problem.field, built.order);
      if (name) fieldErrors[name] ??= fieldMessage(name, problem.message);
      else leftOver.push(problem.message);
    }
    const count = error.fields.length;
    const formError =
      leftOver.length > 0 || count === 0
        ? (leftOver[0] ?? error.message)
        : `The configuration was not saved: ${count === 1 ? 'one field needs' : `${count} fields need`} a change.`;
    return fail({ formError, fieldErrors, values }, auth.headers);
  }
  flashNotice(auth.session, { kind: 'success', text: 'Saved. Cancel flows started from now on use this configuration.' });
  return redirect('/admin/retention/config', { headers: await sessionHeaders(auth.session) });
}

export default function FlowConfigPage() {
  const { notice, plans, state, updatedAt, revision } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  return (
    <div className="stack">
      <div>
        <h1 id="config-title">Cancel flow</h1>
        <p className="lead">What subscribers see when they cancel: the words and colours, the reasons to pick from, and one offer per reason.</p>
        <p className="muted" data-testid="config-updated">
          {updatedAt ? `Last saved ${updatedAt}.` : 'This is the default configuration; nobody has changed it yet.'}
        </p>
      </div>
      {notice && !failure ? (
        <Notice kind={notice.kind} testId="config-notice">
          {notice.text}
        </Notice>
      ) : null}
      <FlowConfigForm
        key={failure ? 'failure' : `config-${revision}`}
        state={failure?.values ?? state}
        plans={plans}
        fieldErrors={failure?.fieldErrors ?? {}}
        formError={failure?.formError ?? null}
      />
      <section className="card" aria-labelledby="reset-title">
        <h2 id="reset-title">Start over</h2>
        <p className="muted">Go back to Crossbill’s default reasons, offers, words and colours. Your changes are lost.</p>
        <Form
          method="post"
          onSubmit={(event) => {
            if (!window.confirm('Reset the cancel flow to the default configuration? Your changes are lost.')) event.preventDefault();
          }}
        >
          <SubmitButton intent="reset" variant="danger">
            Reset to default
          </SubmitButton>
        </Form>
      </section>
    </div>
  );
}
