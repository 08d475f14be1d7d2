import { useRevalidator } from '@remix-run/react';
import { useEffect, useRef, useState } from 'react';

// The browser's side of /live (app/lib/live.server.ts): an EventSource to the web server, which
// relays the API's live streams with the cookie session (the browser holds no token). Each
// change re-runs the page's loaders through Remix's revalidator, so the page shows the new
// state exactly as a reload would, with no client-side copy of it. Without JavaScript nothing
// of this runs and the pages still work on reload.

export type LiveEventName = 'subscriptions' | 'entitlements';
/** `off`: not running (server render, no EventSource); `connecting`: (re)connecting; `open`: both snapshots received. */
export type LiveState = 'off' | 'connecting' | 'open';

const EVENTS: readonly LiveEventName[] = ['subscriptions', 'entitlements'];
/** A change usually arrives on both streams at once: one revalidation for both. */
const COALESCE_MS = 100;
/** After a refusal (401, 429, 503) EventSource gives up; we try again, backing off to this. */
const MAX_BACKOFF_MS = 60_000;

export interface LiveRevalidationOptions {
  /** Off: no connection (e.g. nothing on the page can change). Default on. */
  enabled?: boolean;
  /**
   * Revalidate on the first snapshot too, not only on changes: for a page showing a state in
   * flux (a payment processing), which may have changed between its loader and the stream's start.
   */
  revalidateOnSnapshot?: boolean;
  /** Return false to ignore this change (the page would not show it, or must not move now). */
  shouldRevalidate?: (event: LiveEventName, data: unknown) => boolean;
}

/**
 * Follows the signed-in user's subscriptions and entitlements and revalidates the page's
 * loaders when they change. Changes are detected by comparing each event with the last one of
 * its kind, so the snapshot sent after a reconnect also counts when something changed meanwhile.
 */
export function useLiveRevalidation(options: LiveRevalidationOptions = {}): LiveState {
  const { revalidate } = useRevalidator();
  const revalidateRef = useRef(revalidate);
  revalidateRef.current = revalidate;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const enabled = options.enabled ?? true;
  const [state, setState] = useState<LiveState>('off');

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const last = new Map<LiveEventName, string>();
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let coalesceTimer: ReturnType<typeof setTimeout> | undefined;
    let refusals = 0;

    const scheduleRevalidate = () => {
      clearTimeout(coalesceTimer);
      coalesceTimer = setTimeout(() => revalidateRef.current(), COALESCE_MS);
    };

    const connect = () => {
      setState('connecting');
      const seen = new Set<LiveEventName>();
      const es = new EventSource('/live');
      source = es;
      for (const name of EVENTS) {
        es.addEventListener(name, (event: MessageEvent<string>) => {
          refusals = 0;
          const previous = last.get(name);
          last.set(name, event.data);
          seen.add(name);
          if (seen.size === EVENTS.length) setState('open');
          const changed = previous === undefined ? Boolean(optionsRef.current.revalidateOnSnapshot) : previous !== event.data;
          if (!changed) return;
          let data: unknown;
          try {
            data = JSON.parse(event.data);
          } catch {
            return;
          }
          if (optionsRef.current.shouldRevalidate?.(name, data) ?? true) scheduleRevalidate();
        });
      }
      es.onerror = () => {
        setState('connecting');
        // CONNECTING: the stream ended and the browser reconnects by itself (after the `retry`
        // the server sent). CLOSED: the server refused (not 200 text/event-stream); retry later.
        if (es.readyState === EventSource.CLOSED) {
          es.close();
          refusals += 1;
          retryTimer = setTimeout(connect, Math.min(MAX_BACKOFF_MS, 2_000 * 2 ** (refusals - 1)));
        }
      };
    };

    connect();
    return () => {
      source?.close();
      clearTimeout(retryTimer);
      clearTimeout(coalesceTimer);
      setState('off');
    };
  }, [enabled]);

  return state;
}
