// The messages between the hosted flow page (/cancel/<token>?embed=1, inside an iframe) and
// the page that embeds it. Shared by both sides: the page posts them, the embed core
// (./core.ts) checks and reads them. No framework, no DOM at import time.

export const MESSAGE_TYPE = 'crossbill:cancel-flow';

/** What the flow ended with, as the embedding page's onComplete receives it. */
export interface CancelFlowResult {
  /** saved_discount, saved_pause, saved_switch, contacted_support, canceled, cancel_opted_out, manage_in_app_store, app_store_offer */
  outcome: string;
  message: string;
  /** App Store only: where the subscriber cancels. */
  manageUrl: string | null;
  /** App Store only: the signed promotional offer (JSON) for the app to present with StoreKit. */
  appStoreOffer: string | null;
  subscription: {
    id: string;
    status: string;
    willRenew: boolean;
    currentPeriodEnd: string | null;
  };
}

export interface CancelFlowError {
  /** The API's code (e.g. CANCEL_SESSION_EXPIRED, INVALID_SIGNATURE) or EMBED_* from the embed itself. */
  code: string;
  message: string;
}

export type CancelFlowMessage =
  | { type: typeof MESSAGE_TYPE; event: 'complete'; outcome: CancelFlowResult }
  | { type: typeof MESSAGE_TYPE; event: 'error'; error: CancelFlowError }
  | { type: typeof MESSAGE_TYPE; event: 'close' };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** A well-formed message of ours (the origin and source are checked by the receiver). */
export function isCancelFlowMessage(value: unknown): value is CancelFlowMessage {
  if (!isRecord(value) || value.type !== MESSAGE_TYPE) return false;
  switch (value.event) {
    case 'complete':
      return isRecord(value.outcome) && typeof value.outcome.outcome === 'string';
    case 'error':
      return isRecord(value.error) && typeof value.error.code === 'string';
    case 'close':
      return true;
    default:
      return false;
  }
}

/** The query parameters of an embedded page: embed=1, the parent's origin, and the opt-out switch. */
export const EMBED_PARAMS = ['embed', 'parent', 'optout'] as const;

/** `https://shop.example` for an origin string; null for anything else (paths, `*`, `null`). */
export function asOrigin(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.origin === value.replace(/\/$/, '') ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * From the framed flow page to the page that embeds it, at the one origin the server allowed
 * (never '*'). Nothing when the page is not framed or no origin was allowed.
 */
export function postToParent(parentOrigin: string | null, message: DistributiveOmit<CancelFlowMessage, 'type'>): void {
  if (!parentOrigin || typeof window === 'undefined' || window.parent === window) return;
  window.parent.postMessage({ type: MESSAGE_TYPE, ...message }, parentOrigin);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
