import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] as number) % ALPHABET.length];
  return out;
}

/** Lengths of the random part, roughly as Stripe's own ids look. */
const LENGTHS: Record<string, number> = {
  cus: 14,
  prod: 14,
  cs_test: 58,
  bps: 24,
  clock: 24,
  whsec: 32,
  req: 14,
};

export function newId(prefix: string): string {
  return `${prefix}_${randomString(LENGTHS[prefix] ?? 24)}`;
}

export function clientSecret(id: string): string {
  return `${id}_secret_${randomString(25)}`;
}
