/**
 * Compact JWS as the App Store writes it (ES256, `x5c` header with leaf, intermediate, root), and the
 * check of the App Store Server API's bearer tokens (ES256 JWT signed with the In-App Purchase key).
 */
import { KeyObject, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import type { Signer } from './certs';

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function signJws(payload: object, signer: Signer): string {
  const header = b64url(JSON.stringify({ alg: 'ES256', x5c: signer.x5c }));
  const body = b64url(JSON.stringify(payload));
  const input = `${header}.${body}`;
  const signature = cryptoSign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/** Decodes a compact JWS without verifying it. */
export function decodeJws<T = Record<string, unknown>>(jws: string): { header: Record<string, unknown>; payload: T } {
  const [h, p] = jws.split('.');
  if (!h || !p) throw new Error('not a compact JWS');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as T,
  };
}

export interface BearerExpectation {
  publicKey: KeyObject;
  keyId: string;
  issuerId: string;
  bundleId: string;
  now?: number;
}

/**
 * Checks an App Store Server API bearer token like Apple does: ES256 with the key `kid` names,
 * `iss` = issuer id, `aud` = "appstoreconnect-v1", `bid` = bundle id, `iat` not in the future,
 * `exp` in the future and at most 60 minutes after `iat`. Returns a reason when it is refused.
 */
export function checkBearer(token: string, e: BearerExpectation): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return 'malformed token';
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return 'malformed token';
  }
  if (header.alg !== 'ES256') return `alg ${String(header.alg)} is not ES256`;
  if (header.kid !== e.keyId) return `unknown kid ${String(header.kid)}`;
  const ok = cryptoVerify('sha256', Buffer.from(`${h}.${p}`), { key: e.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) return 'bad signature';
  if (claims.iss !== e.issuerId) return `iss ${String(claims.iss)} is not the issuer id`;
  const aud = claims.aud;
  if (!(aud === 'appstoreconnect-v1' || (Array.isArray(aud) && aud.includes('appstoreconnect-v1')))) return 'aud is not appstoreconnect-v1';
  if (claims.bid !== e.bundleId) return `bid ${String(claims.bid)} is not ${e.bundleId}`;
  const now = Math.floor((e.now ?? Date.now()) / 1000);
  const iat = claims.iat;
  const exp = claims.exp;
  if (typeof iat !== 'number' || typeof exp !== 'number') return 'iat and exp are required';
  if (iat > now + 60) return 'iat is in the future';
  if (exp <= now) return 'token expired';
  if (exp - iat > 3600) return 'token lifetime exceeds 60 minutes';
  return undefined;
}
