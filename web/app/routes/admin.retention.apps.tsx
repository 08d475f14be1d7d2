import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { adminGql } from '~/components/admin/admin.server';
import { NewKeyNotice } from '~/components/admin/NewKeyNotice';
import { formatDateTime } from '~/components/admin/retention-words';
import { Field } from '~/components/Field';
import { FormError } from '~/components/FormError';
import { Notice } from '~/components/Notice';
import { SubmitButton } from '~/components/SubmitButton';
import {
  AdminCreateRetentionAppDocument,
  AdminCreateRetentionAppKeyDocument,
  AdminRetentionAppsDocument,
  AdminRevokeRetentionAppKeyDocument,
} from '~/graphql/generated';
import { requireUser } from '~/lib/auth.server';
import { apiErrorToForm, readForm } from '~/lib/forms.server';
import { isApiError } from '~/lib/graphql.server';
import { flashNotice, popNotice, sessionHeaders } from '~/lib/session.server';

// /admin/retention/apps: the apps allowed to start cancel flows with their own keys
// (server-to-server precancel, the JS embed). A new key pair's private key is in the action's
// answer only — rendered once, never put in the cookie session, a URL or a log; a reload is a
// GET and shows the list without it.

export const meta: MetaFunction = () => [{ title: 'Apps and keys · Admin · Crossbill' }, { name: 'robots', content: 'noindex' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const auth = await requireUser(request);
  const { retentionApps } = await adminGql(request, auth, AdminRetentionAppsDocument, {});
  const { notice, headers } = await popNotice(auth.session, auth.headers);
  return data(
    {
      notice,
      apps: retentionApps.map((app) => ({
        id: app.id,
        name: app.name,
        createdAt: formatDateTime(app.createdAt),
        keys: app.keys.map((key) => ({
          publicKey: key.publicKey,
          createdAt: formatDateTime(key.createdAt),
          lastUsedAt: key.lastUsedAt ? formatDateTime(key.lastUsedAt) : null,
          revokedAt: key.revokedAt ? formatDateTime(key.revokedAt) : null,
        })),
      })),
    },
    { headers },
  );
}

type ActionResult =
  | { ok: true; intent: 'create-app' | 'add-key'; credentials: { appId: string; appName: string; publicKey: string; privateKey: string } }
  | { ok: false; intent: string; formError: string | null; fieldErrors: Partial<Record<string, string>>; values: { name?: string }; target?: string };

// The answer carrying a private key must not be kept by the browser or anything between.
const NO_STORE = { 'Cache-Control': 'no-store' };

export async function action({ request }: ActionFunctionArgs) {
  const form = await readForm(request);
  const auth = await requireUser(request);
  const intent = String(form.get('intent') ?? '');
  const headers = new Headers(auth.headers);
  headers.set('Cache-Control', 'no-store');

  try {
    switch (intent) {
      case 'create-app': {
        const name = String(form.get('name') ?? '').trim();
        if (!name) {
          return data<ActionResult>({ ok: false, intent, formError: null, fieldErrors: { name: 'Give the app a name.' }, values: { name } }, { status: 400, headers });
        }
        try {
          const { createRetentionApp: created } = await adminGql(request, auth, AdminCreateRetentionAppDocument, { name });
          return data<ActionResult>(
            { ok: true, intent, credentials: { appId: created.app.id, appName: created.app.name, publicKey: created.publicKey, privateKey: created.privateKey } },
            { headers },
          );
        } catch (error) {
          if (!isApiError(error, 'BAD_USER_INPUT')) throw error;
          return data<ActionResult>({ ok: false, intent, ...apiErrorToForm(error, ['name']), values: { name } }, { status: 400, headers });
        }
      }
      case 'add-key': {
        const appId = String(form.get('appId') ?? '');
        const { createRetentionAppKey: created } = await adminGql(request, auth, AdminCreateRetentionAppKeyDocument, { appId });
        return data<ActionResult>(
          { ok: true, intent, credentials: { appId: created.app.id, appName: created.app.name, publicKey: created.publicKey, privateKey: created.privateKey } },
          { headers },
        );
      }
      case 'revoke-key': {
        const publicKey = String(form.get('publicKey') ?? '');
        await adminGql(request, auth, AdminRevokeRetentionAppKeyDocument, { publicKey });
        flashNotice(auth.session, { kind: 'success', text: `Key ${publicKey} was revoked: it no longer signs anything.` });
        return redirect('/admin/retention/apps', { headers: await sessionHeaders(auth.session) });
      }
      default:
        return data<ActionResult>({ ok: false, intent, formError: 'Unknown action. Reload the page and try again.', fieldErrors: {}, values: {} }, { status: 400, headers });
    }
  } catch (error) {
    if (!isApiError(error)) throw error;
    const target = String(form.get('appId') ?? form.get('publicKey') ?? '');
    const formError = error.code === 'NOT_FOUND' ? 'That app or key no longer exists. Reload the page.' : error.message;
    return data<ActionResult>({ ok: false, intent, formError, fieldErrors: {}, values: {}, target }, { status: 400, headers });
  }
}

export const headers = () => NO_STORE;

export default function AppsPage() {
  const { notice, apps } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const created = result?.ok ? result : undefined;
  const failure = result && !result.ok ? result : undefined;
  const createFailure = failure?.intent === 'create-app' ? failure : undefined;
  const otherFailure = failure && failure.intent !== 'create-app' ? failure : undefined;

  return (
    <div className="stack">
      <div>
        <h1 id="apps-title">Apps and keys</h1>
        <p className="lead">Apps that start cancel flows themselves — from their server (precancel) or the JavaScript embed — sign with a key pair of their own.</p>
      </div>
      {notice ? (
        <Notice kind={notice.kind} testId="apps-notice">
          {notice.text}
        </Notice>
      ) : null}
      {created ? <NewKeyNotice {...created.credentials} isNewApp={created.intent === 'create-app'} /> : null}
      {otherFailure?.formError ? <Notice kind="error">{otherFailure.formError}</Notice> : null}

      {apps.length === 0 ? (
        <section className="card" data-testid="apps-empty">
          <h2>No apps yet</h2>
          <p className="muted">Register an app below to get its first key pair.</p>
        </section>
      ) : (
        <ul className="admin-apps">
          {apps.map((app) => (
            <li key={app.id} className="card admin-app" data-testid="retention-app" aria-labelledby={`app-${app.id}`}>
              <div className="admin-app__head">
                <div>
                  <h2 id={`app-${app.id}`}>{app.name}</h2>
                  <p className="muted">
                    App id <code data-testid="app-id">{app.id}</code> · created {app.createdAt}
                  </p>
                </div>
                <Form method="post">
                  <input type="hidden" name="appId" value={app.id} />
                  <SubmitButton intent="add-key" variant="secondary" aria-describedby={`app-${app.id}`}>
                    Add key
                  </SubmitButton>
                </Form>
              </div>
              <div className="table-scroll">
                <table className="admin-table">
                  <caption className="visually-hidden">Keys of {app.name}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Public key id</th>
                      <th scope="col">Created</th>
                      <th scope="col">Last used</th>
                      <th scope="col">Status</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {app.keys.map((key) => (
                      <tr key={key.publicKey} data-testid="app-key" data-public-key={key.publicKey} data-revoked={key.revokedAt ? 'true' : 'false'}>
                        <th scope="row">
                          <code>{key.publicKey}</code>
                        </th>
                        <td>{key.createdAt}</td>
                        <td>{key.lastUsedAt ?? 'Never'}</td>
                        <td>
                          {key.revokedAt ? (
                            <span className="badge badge--off">Revoked {key.revokedAt}</span>
                          ) : (
                            <span className="badge badge--ok">Active</span>
                          )}
                        </td>
                        <td>
                          {key.revokedAt ? null : (
                            <Form
                              method="post"
                              onSubmit={(event) => {
                                if (!window.confirm(`Revoke ${key.publicKey}? Anything still signing with it stops working at once.`)) event.preventDefault();
                              }}
                            >
                              <input type="hidden" name="publicKey" value={key.publicKey} />
                              <SubmitButton intent="revoke-key" variant="danger" aria-label={`Revoke ${key.publicKey}`}>
                                Revoke
                              </SubmitButton>
                            </Form>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </li>
          ))}
        </ul>
      )}

      <section className="card" aria-labelledby="new-app-title">
        <h2 id="new-app-title">Register an app</h2>
        <p className="muted">It gets an app id and a first key pair. The private key is shown once, right after.</p>
        <Form method="post" noValidate className="form" key={created?.intent === 'create-app' ? created.credentials.appId : 'new-app'}>
          <FormError message={createFailure?.formError} hasFieldErrors={Boolean(createFailure?.fieldErrors.name)} />
          <Field label="App name" name="name" defaultValue={createFailure?.values.name ?? ''} error={createFailure?.fieldErrors.name} maxLength={80} required autoComplete="off" />
          <SubmitButton intent="create-app">Create app</SubmitButton>
        </Form>
      </section>
    </div>
  );
}
