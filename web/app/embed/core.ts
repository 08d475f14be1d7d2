import { CANCEL_FLOW_CSS } from './styles';
import { isCancelFlowMessage, type CancelFlowError, type CancelFlowResult } from './protocol';

// The embed core: opens the hosted cancel flow in an iframe inside an accessible modal, and
// turns the page's postMessages into callbacks. Plain DOM and no dependencies: the /cancel-flow.js
// script (./script.ts) and the React <CancelFlow> component both use exactly this.

export type { CancelFlowError, CancelFlowResult } from './protocol';

/** A session from `startCancelFlow`: its token, its URL, or the result object itself. */
export type CancelFlowSessionInput = string | { token?: string | null; url?: string | null };

export interface CancelFlowCallbacks {
  /** The flow reached an outcome (saved, cancelled, opted out, App Store…). The modal stays until the user clicks Done. */
  onComplete?: (result: CancelFlowResult) => void;
  /** The flow can't run (expired or spent link, refused start). The modal stays open on a calm page. */
  onError?: (error: CancelFlowError) => void;
  /** The modal closed: Done, "Keep my subscription", Escape or the close button (also after onComplete). */
  onClose?: () => void;
}

interface FrameOptions extends CancelFlowCallbacks {
  /** Origin (or any URL on it) of the Crossbill web app. */
  baseUrl: string;
  /** Path on baseUrl, e.g. `/cancel/<token>`. */
  path: string;
  /** Extra query parameters; embed, parent (and optout) are added here. */
  params?: Record<string, string | null | undefined>;
  cancelOptOut?: boolean;
  /** The dialog's accessible name. */
  label?: string;
}

export interface OpenCancelFlowOptions extends CancelFlowCallbacks {
  /** Where the Crossbill web app is. Default: the session URL's origin, else this page's origin. */
  baseUrl?: string;
  session: CancelFlowSessionInput;
  /** Run the survey and offers, record the outcome, cancel nothing (`cancel_opted_out`). */
  cancelOptOut?: boolean;
  label?: string;
}

/** The positional (Vibess-style) start: the app's backend signed customer + app + expiry. */
export interface AppCancelFlowOptions extends CancelFlowCallbacks {
  baseUrl: string;
  appId: string;
  customerId?: string | null;
  subscriptionId?: string | null;
  /** Hex HMAC-SHA256 of customerId (or email) + appId + expiresAt, keyed with the app's private key. */
  hmac: string;
  /** Epoch seconds. */
  expiresAt: string | number;
  email?: string | null;
  cancelOptOut?: boolean;
  label?: string;
}

export interface CancelFlowHandle {
  /** Closes the modal (onClose runs). */
  close(): void;
  /**
   * Resolves with the outcome once the flow completes, or null when the modal closes without
   * one. Rejects with the error (an Error with `code`) only when no onError was given.
   */
  result: Promise<CancelFlowResult | null>;
}

export class CancelFlowEmbedError extends Error {
  readonly code: string;
  constructor(error: CancelFlowError) {
    super(error.message);
    this.name = 'CancelFlowEmbedError';
    this.code = error.code;
  }
}

const DEFAULT_LABEL = 'Cancel your subscription';

/** The token of a session in any of the forms startCancelFlow's result comes in. */
export function sessionToken(session: CancelFlowSessionInput | null | undefined): string | null {
  if (typeof session === 'string') return tokenFromString(session);
  if (session && typeof session === 'object') {
    if (typeof session.token === 'string' && session.token.trim()) return session.token.trim();
    if (typeof session.url === 'string') return tokenFromString(session.url);
  }
  return null;
}

function tokenFromString(value: string): string | null {
  const text = value.trim();
  if (!text) return null;
  if (!/^https?:\/\//i.test(text) && !text.startsWith('/')) return text;
  const match = /\/cancel\/([^/?#]+)/.exec(new URL(text, 'http://x.invalid').pathname);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}

/** The origin a session URL points at, when the session is one. */
function sessionOrigin(session: CancelFlowSessionInput): string | null {
  const url = typeof session === 'string' ? session : session?.url;
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url.trim())) return null;
  try {
    return new URL(url.trim()).origin;
  } catch {
    return null;
  }
}

/** Opens the flow for a session minted by `startCancelFlow` (or the app's backend). */
export function openCancelFlow(options: OpenCancelFlowOptions): CancelFlowHandle {
  const token = sessionToken(options.session);
  const baseUrl = options.baseUrl ?? sessionOrigin(options.session) ?? window.location.origin;
  if (!token) return failed(options, { code: 'EMBED_NO_SESSION', message: 'No cancel flow session was given.' });
  return openFrame({ ...options, baseUrl, path: `/cancel/${encodeURIComponent(token)}` });
}

/** Opens the flow through the web app's positional start (`/cancel/start`), which mints the session. */
export function openAppCancelFlow(options: AppCancelFlowOptions): CancelFlowHandle {
  const { appId, hmac } = options;
  const customerId = options.customerId ?? null;
  const email = options.email ?? null;
  if (!appId || !hmac || !String(options.expiresAt ?? '') || (!customerId && !email)) {
    return failed(options, {
      code: 'EMBED_BAD_ARGUMENTS',
      message: 'startCancellationFlow needs an app id, an HMAC, its expiry, and a customer id or an email.',
    });
  }
  return openFrame({
    ...options,
    path: '/cancel/start',
    params: {
      app_id: appId,
      customer_id: customerId,
      subscription_id: options.subscriptionId ?? null,
      email,
      hmac,
      expires: String(options.expiresAt),
    },
  });
}

/** A flow that could not even open: onError (or a rejected result), no modal. */
function failed(callbacks: CancelFlowCallbacks, error: CancelFlowError): CancelFlowHandle {
  safely(() => callbacks.onError?.(error));
  return {
    close: () => undefined,
    result: callbacks.onError ? Promise.resolve(null) : Promise.reject(new CancelFlowEmbedError(error)),
  };
}

function safely(callback: () => void) {
  try {
    callback();
  } catch (error) {
    // The host's callback threw: report it, but keep the modal's own state consistent.
    console.error('[crossbill] cancel flow callback failed', error);
  }
}

let current: CancelFlowHandle | null = null;

function openFrame(options: FrameOptions): CancelFlowHandle {
  current?.close(); // one flow at a time
  const doc = document;
  const flowOrigin = new URL(options.baseUrl, window.location.href).origin;
  const src = new URL(options.path, flowOrigin);
  for (const [key, value] of Object.entries(options.params ?? {})) {
    if (value !== null && value !== undefined && value !== '') src.searchParams.set(key, value);
  }
  src.searchParams.set('embed', '1');
  src.searchParams.set('parent', window.location.origin);
  if (options.cancelOptOut) src.searchParams.set('optout', '1');

  installStyles(doc);
  const returnFocus = doc.activeElement instanceof HTMLElement ? doc.activeElement : null;
  const label = options.label ?? DEFAULT_LABEL;

  const dialog = doc.createElement('dialog');
  dialog.className = 'crossbill-cf';
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-modal', 'true');
  dialog.setAttribute('aria-label', label);
  dialog.setAttribute('data-crossbill-cancel-flow', '');

  const close = doc.createElement('button');
  close.type = 'button';
  close.className = 'crossbill-cf__close';
  close.setAttribute('aria-label', 'Close');
  close.textContent = '×';

  const loading = doc.createElement('p');
  loading.className = 'crossbill-cf__loading';
  loading.textContent = 'Loading…';

  const frame = doc.createElement('iframe');
  frame.className = 'crossbill-cf__frame';
  frame.title = label;
  frame.src = src.toString();
  frame.referrerPolicy = 'origin';
  // Scripts and forms on its own origin; links may open new tabs (App Store, support mail).
  frame.setAttribute(
    'sandbox',
    'allow-scripts allow-forms allow-same-origin allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation',
  );
  frame.addEventListener('load', () => dialog.setAttribute('data-loaded', ''));

  dialog.append(close, loading, frame);
  doc.body.append(dialog);

  let settled = false;
  let outcome: CancelFlowResult | null = null;
  let resolve!: (value: CancelFlowResult | null) => void;
  let reject!: (error: Error) => void;
  const result = new Promise<CancelFlowResult | null>((res, rej) => {
    resolve = res;
    reject = rej;
  });

  const onMessage = (event: MessageEvent) => {
    // Only the flow's own page, in this very iframe, speaks to us.
    if (event.origin !== flowOrigin || event.source !== frame.contentWindow || !isCancelFlowMessage(event.data)) return;
    const message = event.data;
    if (message.event === 'complete') {
      if (outcome) return; // a reload of the done page says it again
      outcome = message.outcome;
      safely(() => options.onComplete?.(message.outcome));
      if (!settled) {
        settled = true;
        resolve(message.outcome);
      }
    } else if (message.event === 'error') {
      const error = { code: message.error.code, message: String(message.error.message ?? '') };
      safely(() => options.onError?.(error));
      if (!settled && !options.onError) {
        settled = true;
        reject(new CancelFlowEmbedError(error));
      }
    } else {
      handle.close();
    }
  };

  const onCancel = (event: Event) => {
    // Escape (while focus is in this document; the framed page posts `close` for its own Escape).
    event.preventDefault();
    handle.close();
  };

  let open = true;
  const previousOverflow = doc.documentElement.style.overflow;
  const handle: CancelFlowHandle = {
    result,
    close() {
      if (!open) return;
      open = false;
      window.removeEventListener('message', onMessage);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      dialog.remove();
      doc.documentElement.style.overflow = previousOverflow;
      if (current === handle) current = null;
      if (returnFocus?.isConnected) returnFocus.focus();
      if (!settled) {
        settled = true;
        resolve(outcome);
      }
      safely(() => options.onClose?.());
    },
  };

  window.addEventListener('message', onMessage);
  dialog.addEventListener('cancel', onCancel);
  close.addEventListener('click', () => handle.close());
  doc.documentElement.style.overflow = 'hidden'; // no scrolling the page behind
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else dialog.setAttribute('open', '');
  // Into the flow itself: the first thing to read or answer is in the frame.
  frame.focus();
  current = handle;
  return handle;
}

/** The modal's styles, once per document. A constructed sheet where possible: no inline <style> for a strict CSP to block. */
function installStyles(doc: Document) {
  if (doc.documentElement.hasAttribute('data-crossbill-cf-styles')) return;
  doc.documentElement.setAttribute('data-crossbill-cf-styles', '');
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CANCEL_FLOW_CSS);
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
  } catch {
    const style = doc.createElement('style');
    style.textContent = CANCEL_FLOW_CSS;
    doc.head.append(style);
  }
}
