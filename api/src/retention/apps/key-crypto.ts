import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// The cryptography of app keys, with no database: ids, private keys, their encryption at rest,
// and the HMACs apps sign requests with. Pure, so it is tested and reasoned about on its own.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` uniformly random base62 characters (bytes ≥ 248 are dropped, so no character is likelier). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export const newAppId = (): string => `app_${randomBase62(20)}`;
export const newPublicKeyId = (): string => `pk_${randomBase62(24)}`;
/** 256 bits: the HMAC key both sides hold. */
export const newPrivateKey = (): string => `sk_${randomBytes(32).toString('base64url')}`;

const IV_BYTES = 12;
const TAG_BYTES = 16;

function checkKey(encryptionKey: Buffer): void {
  if (encryptionKey.length !== 32) throw new Error('the app-key encryption key must be 32 bytes (AES-256)');
}

/**
 * base64url(iv ‖ ciphertext ‖ tag), AES-256-GCM. The public key id is the additional
 * authenticated data, so a ciphertext copied onto another key's row does not decrypt there.
 */
export function sealPrivateKey(encryptionKey: Buffer, publicKey: string, privateKey: string): string {
  checkKey(encryptionKey);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(publicKey, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(privateKey, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url');
}

/** The private key, or an exception when the key, the public key id or the bytes are not the ones sealed. */
export function openPrivateKey(encryptionKey: Buffer, publicKey: string, sealed: string): string {
  checkKey(encryptionKey);
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) throw new Error('sealed private key is too short');
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(publicKey, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}

/** Hex HMAC keyed with the private key string as UTF-8 bytes (what apps compute on their side). */
export function hmacHex(algorithm: 'sha256' | 'sha512', privateKey: string, message: Buffer | string): string {
  return createHmac(algorithm, Buffer.from(privateKey, 'utf8')).update(message).digest('hex');
}

/**
 * Constant-time comparison of a received hex MAC with the expected one (either case). A wrong
 * length or non-hex input is simply unequal; only the length, which is public, shapes timing.
 */
export function hexEquals(received: string, expectedHex: string): boolean {
  if (received.length !== expectedHex.length || !/^[0-9a-fA-F]*$/.test(received)) return false;
  return timingSafeEqual(Buffer.from(received.toLowerCase(), 'utf8'), Buffer.from(expectedHex, 'utf8'));
}
