import { Form, Link } from '@remix-run/react';
import { FormError } from './FormError';
import { Notice } from './Notice';
import { PROVIDER_LABEL, ProviderForm, type ProviderAvailability, type ProviderKey } from './ProviderButtons';
import { SubmitButton } from './SubmitButton';

export interface LinkedIdentity {
  provider: ProviderKey;
  email: string | null;
  /** Already formatted for display. */
  linkedOn: string;
}

export interface SignInMethodsData {
  hasPassword: boolean;
  identities: LinkedIdentity[];
}

/** What the account action answered for the unlink forms: the confirm step or a failure. */
export type UnlinkResult =
  | { ok: true; intent: 'unlink-identity'; provider: ProviderKey }
  | { ok: false; intent: 'unlink-identity' | 'confirm-unlink-identity'; provider?: string; formError: string | null };

interface SignInMethodsProps {
  methods: SignInMethodsData | null;
  problem: string | null;
  providers: ProviderAvailability;
  result: UnlinkResult | undefined;
}

/** The account page's "Sign-in methods": password, Google and Apple; link, unlink (with a confirm step). */
export function SignInMethods({ methods, problem, providers, result }: SignInMethodsProps) {
  return (
    <section className="card" aria-labelledby="sign-in-methods-title" data-testid="sign-in-methods">
      <h2 id="sign-in-methods-title">Sign-in methods</h2>
      {problem ? <Notice kind="error">{problem}</Notice> : null}
      {methods ? (
        <ul className="sign-in-methods">
          <li className="sign-in-method" data-testid="sign-in-method" data-provider="password" data-linked={methods.hasPassword}>
            <div className="sign-in-method__head">
              <strong>Password</strong>
              {methods.hasPassword ? (
                <span className="badge badge--ok" data-testid="password-status">
                  Set
                </span>
              ) : (
                <span className="badge badge--off" data-testid="password-status">
                  Not set
                </span>
              )}
            </div>
            {methods.hasPassword ? null : (
              <p className="muted">
                You sign in with {methods.identities.map((i) => PROVIDER_LABEL[i.provider]).join(' or ') || 'a provider'}. To add a password,{' '}
                <Link to="/forgot-password">get a link to set one</Link>.
              </p>
            )}
          </li>
          {(['google', 'apple'] as const).map((provider) => (
            <ProviderRow
              key={provider}
              provider={provider}
              identity={methods.identities.find((i) => i.provider === provider) ?? null}
              configured={providers[provider]}
              onlyMethod={!methods.hasPassword && methods.identities.length === 1}
              result={result && (result.ok || result.provider === provider) ? result : undefined}
            />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function ProviderRow({
  provider,
  identity,
  configured,
  onlyMethod,
  result,
}: {
  provider: ProviderKey;
  identity: LinkedIdentity | null;
  configured: boolean;
  onlyMethod: boolean;
  result: UnlinkResult | undefined;
}) {
  const name = PROVIDER_LABEL[provider];
  const confirming = result?.ok && result.provider === provider;
  const failure = result && !result.ok ? result : undefined;
  const hintId = `${provider}-link-hint`;
  return (
    <li className="sign-in-method" data-testid="sign-in-method" data-provider={provider} data-linked={identity ? 'true' : 'false'}>
      <div className="sign-in-method__head">
        <strong>{name}</strong>
        {identity ? (
          <span className="badge badge--ok">Linked</span>
        ) : (
          <span className="badge badge--off">Not linked</span>
        )}
      </div>
      {identity ? (
        <>
          <p className="sign-in-method__detail">
            {identity.email ? (
              <>
                <span data-testid={`${provider}-identity-email`}>{identity.email}</span> ·{' '}
              </>
            ) : null}
            <span data-testid={`${provider}-identity-linked-at`}>linked on {identity.linkedOn}</span>
          </p>
          {failure?.formError ? <FormError message={failure.formError} /> : null}
          {confirming ? (
            <Form method="post" className="confirm-box" data-testid="unlink-confirm">
              <input type="hidden" name="provider" value={provider} />
              <p>
                <strong>Unlink {name}?</strong>
              </p>
              <p>You won’t be able to sign in with {name} any more, on the web or on iPhone, until you link it again.</p>
              <div className="actions">
                <SubmitButton intent="confirm-unlink-identity" variant="danger" autoFocus>
                  Confirm unlink
                </SubmitButton>
                <Link className="button button--secondary" to="/account" preventScrollReset>
                  Keep {name}
                </Link>
              </div>
            </Form>
          ) : (
            <Form method="post" className="actions">
              <input type="hidden" name="provider" value={provider} />
              <SubmitButton intent="unlink-identity" variant="secondary" aria-describedby={onlyMethod ? `${provider}-only-hint` : undefined}>
                Unlink {name}
              </SubmitButton>
              {onlyMethod ? (
                <p id={`${provider}-only-hint`} className="field-hint">
                  It’s your only way to sign in: set a password or link another provider before unlinking it.
                </p>
              ) : null}
            </Form>
          )}
        </>
      ) : (
        <div className="actions">
          <ProviderForm provider={provider} intent="link" disabled={!configured} describedBy={configured ? undefined : hintId} testId={`${provider}-link`}>
            Link {name}
          </ProviderForm>
          {configured ? null : (
            <p id={hintId} className="field-hint" data-testid={`${provider}-not-configured`}>
              Signing in with {name} isn’t set up on this server yet.
            </p>
          )}
        </div>
      )}
    </li>
  );
}
