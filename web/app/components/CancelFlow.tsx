import { useEffect, useRef } from 'react';
import { openCancelFlow, type CancelFlowCallbacks, type CancelFlowSessionInput } from '~/embed/core';

export type { CancelFlowError, CancelFlowResult } from '~/embed/core';

export interface CancelFlowProps extends CancelFlowCallbacks {
  /** startCancelFlow's result, its token or its URL. The flow opens while this is set. */
  session: CancelFlowSessionInput | null;
  /** Run the survey and offers, record the outcome, cancel nothing (`cancel_opted_out`). */
  cancelOptOut?: boolean;
  /** Where the Crossbill web app is; default: this page's origin (the session URL's, when given one). */
  baseUrl?: string;
}

/**
 * The retention flow in a modal, over the current page: the same embed core as
 * /cancel-flow.js, wrapped for React. Renders nothing itself; the modal lives in <body> while
 * `session` is set. Unmounting (or a new session) closes it.
 */
export function CancelFlow({ session, cancelOptOut = false, baseUrl, onComplete, onError, onClose }: CancelFlowProps) {
  // The latest callbacks, without reopening the flow when a parent re-renders with new closures.
  const callbacks = useRef<CancelFlowCallbacks>({ onComplete, onError, onClose });
  callbacks.current = { onComplete, onError, onClose };
  const key = session === null ? null : typeof session === 'string' ? session : (session.token ?? session.url ?? null);

  useEffect(() => {
    if (!session || !key) return;
    // Closed by this component (unmount, new session, StrictMode's trial run): no callbacks.
    let active = true;
    const handle = openCancelFlow({
      session,
      cancelOptOut,
      baseUrl,
      onComplete: (result) => active && callbacks.current.onComplete?.(result),
      onError: (error) => active && callbacks.current.onError?.(error),
      onClose: () => active && callbacks.current.onClose?.(),
    });
    handle.result.catch(() => undefined); // errors reach onError; the promise is for script users
    return () => {
      active = false;
      handle.close();
    };
    // The flow is keyed by its session; `session` itself may be a new object each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, cancelOptOut, baseUrl]);

  return null;
}
