import { z } from 'zod';
import { env } from './env.server';

// The API's development outbox (GET /dev/outbox): the mails it would have sent, when no SMTP
// server is configured. Never used in production (the route 404s and so does the API).

const outboxSchema = z.object({
  messages: z.array(
    z.object({
      id: z.union([z.string(), z.number()]).transform(String),
      to: z.string(),
      subject: z.string(),
      text: z.string(),
      html: z.string().nullable().optional(),
      createdAt: z.string(),
    }),
  ),
});

export type OutboxMessage = z.output<typeof outboxSchema>['messages'][number];

/** The outbox, newest first; null when the API does not expose one (404). Throws a 503 Response when unreachable. */
export async function fetchOutbox(): Promise<OutboxMessage[] | null> {
  const url = `${env.apiOrigin}/dev/outbox`;
  let response: globalThis.Response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(env.apiTimeoutMs) });
  } catch (error) {
    console.error(`[web] ${url} did not answer:`, error instanceof Error ? error.message : error);
    throw new Response('The service is unavailable. Try again in a moment.', { status: 503, statusText: 'Service Unavailable' });
  }
  if (response.status === 404) return null;
  const parsed = outboxSchema.safeParse(response.ok ? await response.json().catch(() => null) : null);
  if (!parsed.success) {
    throw new Response('The outbox answered with something unexpected.', { status: 503, statusText: 'Service Unavailable' });
  }
  return [...parsed.data.messages].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}
