import { hashPassword, isCommonPassword, newPasswordSchema, verifyPassword } from '../../src/accounts/passwords';
import { hashSecretToken, newSecretToken } from '../../src/accounts/secret-tokens';

it('recognises common passwords, case-insensitively', () => {
  for (const p of ['password123', 'PASSWORD123', 'qwertyuiop', '1234567890', 'zzzzzzzzzzzz']) expect(isCommonPassword(p)).toBe(true);
  expect(isCommonPassword('lantern-orbit-93')).toBe(false);
});

it('enforces length and commonness in the policy', () => {
  expect(newPasswordSchema.safeParse('lantern-orbit-93').success).toBe(true);
  expect(newPasswordSchema.safeParse('123456789').success).toBe(false);
  expect(newPasswordSchema.safeParse('x'.repeat(257)).success).toBe(false);
});

it('hashes with argon2id and verifies; a missing hash never verifies', async () => {
  const hash = await hashPassword('lantern-orbit-93');
  expect(hash.startsWith('$argon2id$')).toBe(true);
  expect(await verifyPassword(hash, 'lantern-orbit-93')).toBe(true);
  expect(await verifyPassword(hash, 'lantern-orbit-94')).toBe(false);
  expect(await verifyPassword(null, 'anything')).toBe(false);
  expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
});

it('makes distinct, prefixed secrets and stable hashes', () => {
  const a = newSecretToken('cbr');
  expect(a).toMatch(/^cbr_[A-Za-z0-9_-]{43}$/);
  expect(newSecretToken('cbr')).not.toBe(a);
  expect(hashSecretToken(a)).toBe(hashSecretToken(a));
  expect(hashSecretToken(a)).not.toBe(a);
});
