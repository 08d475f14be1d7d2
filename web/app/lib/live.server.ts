import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { LiveEntitlementsDocument, LiveSubscriptionStatusDocument } from '~/graphql/generated';
import { getUser } from './auth.server';
import { env } from './env.server';
import { forwardedHeaders } from './graphql.server';

// The live relay behind GET /live (app/routes/live.ts). The browser must never hold an API
// token, so it cannot open the API's graphql-ws stream itself. Instead it opens an EventSource
// to this web server, which authenticates it with the cookie session (getUser: the same
// transparent, deduplicated refresh as every page), opens a graphql-ws connection to the API
// with that access token, subscribes to `subscriptionStatus` and `entitlementsChanged`, and
// forwards each result as a server-sent event:
//
//   event: subscriptions        data: [Subscription…]  (SubscriptionFields)
//   event: entitlements         data: [Entitlement…]   (EntitlementFields)
//
// Each sends the current value first, then again on every change. The SSE stream ends (and
// EventSource reconnects by itself after `retry`) whenever the upstream ends: a 4401 close
// (the access token expired or was revoked mid-stream: the reconnect goes through getUser,
// which refreshes), the API going away, or the stream reaching MAX_STREAM_MS. The upstream
// connection is closed as soon as the browser goes away.

export type LiveEventName = 'subscriptions' | 'entitlements';

/** What /live streams: event name → typed subscription document and the root field it reads. */
const STREAMS: ReadonlyArray<{ event: LiveEventName; field: string; document: TypedDocumentNode<Record<string, unknown>, Record<string, never>> }> = [
  { event: 'subscriptions', field: 'subscriptionStatus', document: LiveSubscriptionStatusDocument },
  { event: 'entitlements', field: 'entitlementsChanged', document: LiveEntitlementsDocument },
];

/** Open /live streams per user in this process: a few tabs, not an unbounded number of sockets. */
export const MAX_STREAMS_PER_USER = 5;
/** An SSE comment this often, so proxies and the browser keep an idle stream open. */
const KEEP_ALIVE_MS = 15_000;
/** A stream ends after this long (the browser reconnects), so the cookie session is re-checked now and then. */
const MAX_STREAM_MS = 15 * 60_000;
/** graphql-ws ping to the API this often. */
const UPSTREAM_PING_MS = 20_000;

/** How soon EventSource reconnects, per reason the stream ended (sent as the SSE `retry` field). */
const RETRY_MS = {
  /** Normal life: the access token ran out (4401), the stream's lifetime ended. Reconnect at once. */
  reauthenticate: 250,
  /** Default, and when the API is restarting or unreachable. */
  transient: 3_000,
  /** The API refused the operation (4403, a GraphQL error): don't hammer it. */
  refused: 30_000,
} as const;

const WS_UNAUTHORIZED = 4401;
const WS_FORBIDDEN = 4403;

const streamsByUser = new Map<string, number>();

/** `http(s)://host/graphql` → `ws(s)://host/graphql`: graphql-ws is served on the same URL. */
export function liveApiUrl(apiUrl: string = env.apiUrl): string {
  const url = new URL(apiUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

const json = (status: number, body: unknown, headers: Headers = new Headers()) => {
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(body), { status, headers });
};

/** Why the upstream ended, from graphql-ws's error sink or a result's errors. */
function retryAfterUpstream(error: unknown): { retry: number; reason: string } {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'number') {
    const code = (error as { code: number }).code;
    if (code === WS_UNAUTHORIZED) return { retry: RETRY_MS.reauthenticate, reason: 'unauthorized' };
    if (code === WS_FORBIDDEN) return { retry: RETRY_MS.refused, reason: 'forbidden' };
    return { retry: RETRY_MS.transient, reason: `closed ${code}` };
  }
  // GraphQL errors: an `error` message (validation) or a result carrying errors.
  const errors = Array.isArray(error) ? error : [];
  const codes = errors.map((e) => (e as { extensions?: { code?: unknown } })?.extensions?.code);
  if (codes.some((c) => c === 'UNAUTHENTICATED' || c === 'TOKEN_EXPIRED')) return { retry: RETRY_MS.reauthenticate, reason: 'unauthenticated' };
  if (errors.length) return { retry: RETRY_MS.refused, reason: `graphql ${codes.filter(Boolean).join(',') || 'error'}` };
  return { retry: RETRY_MS.transient, reason: error instanceof Error ? error.message : 'unreachable' };
}

/**
 * GET /live. 401 JSON when nobody is signed in (a dead sign-in is also cleared from the cookie),
 * 429 when the user already has MAX_STREAMS_PER_USER streams open here, 503 when the API can't
 * be reached; otherwise a `text/event-stream` relaying the API's live streams.
 */
export async function liveStream(request: Request): Promise<Response> {
  let auth;
  try {
    auth = await getUser(request);
  } catch (error) {
    if (error instanceof Response) return json(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'Try again in a moment.' } });
    throw error;
  }
  if (!auth.user || !auth.accessToken) {
    return json(401, { error: { code: 'UNAUTHENTICATED', message: 'Log in to follow your subscription live.' } }, auth.headers);
  }
  const userId = auth.user.id;
  const open = streamsByUser.get(userId) ?? 0;
  if (open >= MAX_STREAMS_PER_USER) {
    const headers = new Headers(auth.headers);
    headers.set('Retry-After', '30');
    return json(429, { error: { code: 'TOO_MANY_STREAMS', message: 'Too many live connections for this account.' } }, headers);
  }
  streamsByUser.set(userId, open + 1);

  const accessToken = auth.accessToken;
  const upstreamHeaders = forwardedHeaders(request);
  const encoder = new TextEncoder();
  let closed = false;
  let client: Client | null = null;
  const disposers: Array<() => void> = [];
  const timers: Array<ReturnType<typeof setInterval>> = [];

  const release = () => {
    if (closed) return;
    closed = true;
    for (const timer of timers) clearInterval(timer);
    for (const dispose of disposers) dispose();
    // dispose() awaits the connection attempt, and rejects when that attempt itself failed (the
    // API closed it, say 4401 for an ended sign-in): nothing is left to close then, and a
    // rejection left unhandled would stop the whole web server.
    Promise.resolve(client?.dispose()).catch(() => undefined);
    const left = (streamsByUser.get(userId) ?? 1) - 1;
    if (left > 0) streamsByUser.set(userId, left);
    else streamsByUser.delete(userId);
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          release();
        }
      };
      /** Ends the SSE stream; EventSource reconnects after `retry` ms. */
      const finish = (retry: number) => {
        if (closed) return;
        send(`retry: ${retry}\n\n`);
        release();
        try {
          controller.close();
        } catch {
          // already closed by the browser going away
        }
      };

      request.signal.addEventListener('abort', release, { once: true });
      if (request.signal.aborted) return release();

      send(`retry: ${RETRY_MS.transient}\n: live\n\n`);
      timers.push(setInterval(() => send(': keep-alive\n\n'), KEEP_ALIVE_MS));
      timers.push(setTimeout(() => finish(RETRY_MS.reauthenticate), MAX_STREAM_MS));

      /** `ws` with the caller's address and user agent on the upgrade request, like gql() does over HTTP. */
      class UpstreamSocket extends WebSocket {
        constructor(address: string | URL, protocols?: string | string[]) {
          super(address, protocols, { headers: upstreamHeaders, handshakeTimeout: env.apiTimeoutMs, maxPayload: 1024 * 1024 });
        }
      }

      client = createClient({
        url: liveApiUrl(),
        webSocketImpl: UpstreamSocket,
        connectionParams: { authToken: accessToken },
        lazy: true,
        retryAttempts: 0,
        keepAlive: UPSTREAM_PING_MS,
        connectionAckWaitTimeout: env.apiTimeoutMs,
      });

      for (const { event, field, document } of STREAMS) {
        disposers.push(
          client.subscribe<Record<string, unknown>>(
            { query: print(document), operationName: operationNameOf(document) },
            {
              next: (result) => {
                if (result.errors?.length) {
                  const { retry, reason } = retryAfterUpstream(result.errors);
                  if (reason !== 'unauthenticated') console.warn(`[web] /live: ${field} answered ${reason}`);
                  return finish(retry);
                }
                const value = result.data?.[field];
                if (value !== undefined) send(`event: ${event}\ndata: ${JSON.stringify(value)}\n\n`);
              },
              error: (error) => {
                const { retry, reason } = retryAfterUpstream(error);
                if (reason !== 'unauthorized') console.warn(`[web] /live: upstream ${field} ended: ${reason}`);
                finish(retry);
              },
              // The API never completes these streams on its own; if it does, start over.
              complete: () => finish(RETRY_MS.transient),
            },
          ),
        );
      }
    },
    cancel() {
      release();
    },
  });

  const headers = new Headers(auth.headers);
  headers.set('Content-Type', 'text/event-stream; charset=utf-8');
  headers.set('Cache-Control', 'no-store, no-transform');
  headers.set('Connection', 'keep-alive');
  // nginx and friends: don't buffer the stream.
  headers.set('X-Accel-Buffering', 'no');
  return new Response(body, { status: 200, headers });
}

function operationNameOf(document: DocumentNode): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind === 'OperationDefinition') return definition.name?.value;
  }
  return undefined;
}
