import { Link } from '@remix-run/react';
import { useEffect } from 'react';
import { Notice } from '~/components/Notice';
import { postToParent } from '~/embed/protocol';

/**
 * A cancel flow that cannot go on (a spent or bad link, a refused start): says why, calmly; when
 * embedded, tells the host page (`error`) and offers Close, otherwise a way back to the account.
 */
export function CancelUnusable({
  title,
  message,
  error,
  page,
}: {
  title: string;
  message: string;
  /** What the host page's onError receives. */
  error: { code: string; message: string };
  page: { embed: boolean; parentOrigin: string | null };
}) {
  const { code, message: reported } = error;
  useEffect(() => {
    postToParent(page.parentOrigin, { event: 'error', error: { code, message: reported } });
  }, [page.parentOrigin, code, reported]);
  const embedded = page.embed && Boolean(page.parentOrigin);
  return (
    <>
      <h1 id="cancel-title">{title}</h1>
      <Notice kind="info" testId="cancel-unusable">
        {message}
      </Notice>
      <p>
        {embedded ? (
          <button type="button" className="button button--primary" onClick={() => postToParent(page.parentOrigin, { event: 'close' })}>
            Close
          </button>
        ) : (
          <Link className="button button--primary" to="/account">
            Back to your account
          </Link>
        )}
      </p>
    </>
  );
}
