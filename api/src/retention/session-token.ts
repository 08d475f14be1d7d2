// Cancel-flow session tokens. Zero dependencies (node:crypto only) on purpose: an app's own
// backend can copy this file, or re-implement it in a few lines (README shows Python), to mint
// sessions locally without calling Crossbill.
//
//   token = base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, base64url(JSON payload)))
//
// The MAC covers the whole payload — user, subscription, store, mode, issued-at, expiry — so
// none of them can be changed by whoever holds the token.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface CancelSessionPayload {
  /** Format version. */
  v: 1;
  /** Session id (Crossbill's, or any unique id when minted by the app's backend). */
  sid: string;
  /** User id. */
  uid: string;
  /** Subscription id (Crossbill's). */
  sub: string;
  store: 'stripe' | 'app_store';
  mode: 'live' | 'test';
  /** Issued at / expires at, epoch seconds. */
  iat: number;
  exp: number;
}

export type CancelSessionProblem = 'malformed' | 'bad_signature' | 'expired' | 'not_yet_valid';

export class CancelSessionError extends Error {
  constructor(readonly problem: CancelSessionProblem) {
    super(`cancel session token: ${problem}`);
  }
}

const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('base64url');

export function mintCancelSession(payload: CancelSessionPayload, secret: string): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/** Verifies the MAC (constant time) and the time window; returns the payload or throws CancelSessionError. */
export function verifyCancelSession(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): CancelSessionPayload {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) throw new CancelSessionError('malformed');
  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new CancelSessionError('bad_signature');
  let payload: CancelSessionPayload;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new CancelSessionError('malformed');
  }
  if (payload.v !== 1 || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') throw new CancelSessionError('malformed');
  if (payload.exp <= nowSeconds) throw new CancelSessionError('expired');
  if (payload.iat > nowSeconds + 60) throw new CancelSessionError('not_yet_valid');
  return payload;
}
