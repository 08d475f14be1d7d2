import { Algorithm, hash, verify } from '@node-rs/argon2';
import * as commonPasswords from 'fxa-common-password-list';
import { z } from 'zod';

// OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1. @node-rs/argon2 hashes on
// libuv's thread pool, so a login never blocks the event loop.
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`)
  .refine((p) => !isCommonPassword(p), 'This password is too common. Choose one that is harder to guess.');

export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase();
  if (/^(.)\1+$/.test(password)) return true; // "aaaaaaaaaa"
  return commonPasswords.test(password) || commonPasswords.test(lower);
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

// Verifying against this when there is no real hash (unknown email, Google-only account)
// makes a failed login take as long whatever the reason, so timing does not reveal accounts.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummyHash ??= hashPassword('crossbill-timing-equaliser');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
