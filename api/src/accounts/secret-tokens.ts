import { createHash, randomBytes } from 'node:crypto';

/** A random, URL-safe secret with 256 bits of entropy; `prefix` says what kind it is when it turns up in a log. */
export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Secrets are stored as their SHA-256. A fast hash is right here (unlike passwords): the
 * input already has 256 bits of entropy, so there is nothing to brute-force.
 */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
