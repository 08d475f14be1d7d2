import { useEffect, useRef, useState } from 'react';

/**
 * The one time a private key is shown. The key is selectable text (one click selects it all,
 * without JavaScript too); with JavaScript a button copies it. Nothing keeps it: it lives in
 * this render of the action's answer only.
 */
export function NewKeyNotice({ appId, appName, publicKey, privateKey, isNewApp }: { appId: string; appName: string; publicKey: string; privateKey: string; isNewApp: boolean }) {
  const ref = useRef<HTMLElement>(null);
  // Focus the notice so keyboard and screen-reader users land on it.
  useEffect(() => ref.current?.focus(), [publicKey]);
  return (
    <section ref={ref} tabIndex={-1} className="notice notice--success admin-secret" role="status" aria-labelledby="new-key-title" data-testid="new-key">
      <h2 id="new-key-title">{isNewApp ? `${appName} is registered` : `New key for ${appName}`}</h2>
      <p>
        <strong>Copy the private key now.</strong> This is the only time it is shown: Crossbill keeps it encrypted and can’t show
        it again. Store it in your app’s server secrets; if it is lost, add a new key and revoke this one.
      </p>
      <dl className="details">
        <div>
          <dt>App id</dt>
          <dd>
            <code>{appId}</code>
          </dd>
        </div>
        <div>
          <dt>Public key id</dt>
          <dd>
            <code data-testid="new-public-key">{publicKey}</code>
          </dd>
        </div>
        <div>
          <dt id="private-key-label">Private key</dt>
          <dd>
            <pre className="code admin-secret__value" aria-labelledby="private-key-label" data-testid="new-private-key">
              {privateKey}
            </pre>
          </dd>
        </div>
      </dl>
      <CopyButton text={privateKey} label="Copy private key" />
    </section>
  );
}

/** Rendered only once JavaScript runs (it can do nothing without it). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [ready, setReady] = useState(false);
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => setReady(true), []);
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 4000);
    return () => clearTimeout(timer);
  }, [state]);
  if (!ready) return null;
  return (
    <p className="actions admin-copy">
      <button
        type="button"
        className="button button--secondary"
        onClick={() => {
          // No clipboard API outside secure contexts (plain http other than localhost).
          if (!navigator.clipboard) return setState('failed');
          navigator.clipboard.writeText(text).then(
            () => setState('copied'),
            () => setState('failed'),
          );
        }}
      >
        {label}
      </button>
      <span role="status" className="muted" data-testid="copy-status">
        {state === 'copied' ? 'Copied.' : state === 'failed' ? 'Could not copy: select the key and copy it by hand.' : ''}
      </span>
    </p>
  );
}
