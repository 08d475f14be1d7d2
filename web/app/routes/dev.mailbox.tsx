import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { LinkifiedText } from '~/components/LinkifiedText';
import { Notice } from '~/components/Notice';
import { env } from '~/lib/env.server';
import { fetchOutbox } from '~/lib/outbox.server';

export const meta: MetaFunction = () => [{ title: 'Dev mailbox · Crossbill' }, { name: 'robots', content: 'noindex' }];

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

// Development only: the mails the API "sent" (its outbox), so sign-up and reset links can be
// followed without a mail server. Production answers 404, as does the API's /dev/outbox.
export async function loader(_args: LoaderFunctionArgs) {
  if (env.isProduction) throw new Response('Not Found', { status: 404, statusText: 'Not Found' });
  const messages = await fetchOutbox();
  return {
    available: messages !== null,
    messages: (messages ?? []).map((m) => ({
      id: m.id,
      to: m.to,
      subject: m.subject,
      text: m.text,
      createdAt: m.createdAt,
      date: `${dateFormat.format(new Date(m.createdAt))} UTC`,
    })),
  };
}

export default function DevMailbox() {
  const { available, messages } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <div className="page-heading">
        <h1>Dev mailbox</h1>
        {/* A plain link: reloading runs the loader again, with or without JavaScript. */}
        <a className="button button--secondary" href="/dev/mailbox">
          Refresh
        </a>
      </div>
      <p className="muted">Mails the API would have sent, newest first. Only in development.</p>
      {!available ? (
        <Notice kind="info">The API has no outbox to show: it sends real mail (SMTP is configured) or runs in production.</Notice>
      ) : messages.length === 0 ? (
        <Notice kind="info">No mail yet. Sign up or ask for a password reset, then refresh.</Notice>
      ) : (
        <ol className="mailbox" aria-label="Messages">
          {messages.map((m) => (
            <li key={m.id}>
              <article className="card mail" data-testid="mail-message" aria-labelledby={`mail-${m.id}-subject`}>
                <h2 id={`mail-${m.id}-subject`}>{m.subject}</h2>
                <dl className="mail__meta">
                  <div>
                    <dt>To</dt>
                    <dd data-testid="mail-to">{m.to}</dd>
                  </div>
                  <div>
                    <dt>Date</dt>
                    <dd>
                      <time dateTime={m.createdAt}>{m.date}</time>
                    </dd>
                  </div>
                </dl>
                <div className="mail__text">
                  <LinkifiedText text={m.text} />
                </div>
              </article>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
