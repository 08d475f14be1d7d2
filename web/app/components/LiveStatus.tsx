import { useRef } from 'react';
import type { LiveState } from '~/lib/live';

/**
 * A small "Live" / "Reconnecting…" marker for pages that follow /live. Renders nothing until
 * the page's JavaScript runs (without it the page simply doesn't update by itself).
 */
export function LiveStatus({ state }: { state: LiveState }) {
  const wasOpen = useRef(false);
  if (state === 'open') wasOpen.current = true;
  if (state === 'off') return null;
  const label = state === 'open' ? 'Live' : wasOpen.current ? 'Reconnecting…' : 'Connecting…';
  return (
    <span
      className="live-status"
      data-testid="live-status"
      data-state={state}
      title={state === 'open' ? 'This page updates by itself when your subscription changes.' : 'Reconnecting to live updates.'}
    >
      <span className="live-status__dot" aria-hidden="true" />
      {label}
    </span>
  );
}
