import { openAppCancelFlow, openCancelFlow, type CancelFlowCallbacks, type CancelFlowResult, type CancelFlowSessionInput } from './core';

// /cancel-flow.js: the embed core for any web page, as one small IIFE (built by
// web/scripts/build-embed.mjs, served by app/routes/cancel-flow[.]js.ts). Two ways in:
//
//   startCancellationFlow({ session, onComplete, onError, onClose, cancelOptOut })
//     session: startCancelFlow's result, its token or its URL.
//   startCancellationFlow(customerId, subscriptionId, hmacToken, expirationTimestamp, appId[, email])
//     Vibess-style: the app's backend signed `customerId + appId + expiration` with its private
//     key; callbacks come from window.crossbillCancelFlow = { onComplete, onError, onClose }.
//
// Both return a Promise of the outcome (null when closed without one). The flow opens on this
// script's own origin. `data-crossbill-cancel-optout="true"` on the element that started it
// (or its ancestors) makes "cancel" only record the outcome.

export interface StartOptions extends CancelFlowCallbacks {
  session: CancelFlowSessionInput;
  cancelOptOut?: boolean;
  /** The click event or element that started the flow (for data-crossbill-cancel-optout). */
  trigger?: Event | Element | null;
}

interface GlobalConfig extends CancelFlowCallbacks {
  cancelOptOut?: boolean;
}

type StartCancellationFlow = (...args: unknown[]) => Promise<CancelFlowResult | null>;

declare global {
  interface Window {
    startCancellationFlow?: StartCancellationFlow;
    Crossbill?: { startCancellationFlow?: StartCancellationFlow; [key: string]: unknown };
    crossbillCancelFlow?: GlobalConfig;
  }
}

// Where this script came from is where the flow lives (read now: currentScript is gone later).
const baseUrl = (() => {
  const current = document.currentScript;
  // currentScript is null for a module script; then the tag that loaded this file.
  const script = current instanceof HTMLScriptElement && current.src ? current : document.querySelector<HTMLScriptElement>('script[src*="/cancel-flow.js"]');
  return script?.src ? new URL(script.src, window.location.href).origin : window.location.origin;
})();

const isTrigger = (value: unknown): value is Event | Element =>
  (typeof Event !== 'undefined' && value instanceof Event) || (typeof Element !== 'undefined' && value instanceof Element);

/** data-crossbill-cancel-optout on the trigger (an event's target, an element) or the focused element. */
function optOutAttribute(trigger: Event | Element | null | undefined): boolean | undefined {
  const candidates: unknown[] = [];
  if (trigger instanceof Element) candidates.push(trigger);
  else if (trigger) candidates.push(trigger.currentTarget, trigger.target);
  // The event being handled right now (a click handler calling us); Safari doesn't focus
  // buttons on click, so the focused element alone would miss it there.
  const current = (window as { event?: Event }).event;
  if (current) candidates.push(current.currentTarget, current.target);
  candidates.push(document.activeElement);
  for (const candidate of candidates) {
    if (!(candidate instanceof Element)) continue;
    const marked = candidate.closest('[data-crossbill-cancel-optout]');
    if (marked) return marked.getAttribute('data-crossbill-cancel-optout') === 'true';
  }
  return undefined;
}

const isOptions = (value: unknown): value is StartOptions =>
  typeof value === 'object' && value !== null && !isTrigger(value) && 'session' in value;

const text = (value: unknown): string | null => (value === null || value === undefined || value === '' ? null : String(value));

export function startCancellationFlow(...args: unknown[]): Promise<CancelFlowResult | null> {
  const config = window.crossbillCancelFlow ?? {};
  if (isOptions(args[0])) {
    const options = args[0];
    const cancelOptOut = options.cancelOptOut ?? optOutAttribute(options.trigger) ?? config.cancelOptOut ?? false;
    return openCancelFlow({
      baseUrl,
      session: options.session,
      cancelOptOut,
      onComplete: options.onComplete,
      onError: options.onError,
      onClose: options.onClose,
    }).result;
  }
  const [customerId, subscriptionId, hmac, expiresAt, appId, email] = args;
  const trigger = args.slice(5).find(isTrigger) ?? null;
  return openAppCancelFlow({
    baseUrl,
    customerId: text(customerId),
    subscriptionId: text(subscriptionId),
    hmac: text(hmac) ?? '',
    expiresAt: text(expiresAt) ?? '',
    appId: text(appId) ?? '',
    email: isTrigger(email) ? null : text(email),
    cancelOptOut: optOutAttribute(trigger) ?? config.cancelOptOut ?? false,
    onComplete: config.onComplete,
    onError: config.onError,
    onClose: config.onClose,
  }).result;
}

window.startCancellationFlow = startCancellationFlow;
window.Crossbill = Object.assign(window.Crossbill ?? {}, { startCancellationFlow });
