import { isCommonPassword, newPasswordSchema, PasswordHasher } from '../../src/accounts/passwords';
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
  const hasher = new PasswordHasher();
  const hash = await hasher.hash('lantern-orbit-93');
  expect(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
  expect(await hasher.verify(hash, 'lantern-orbit-93')).toBe(true);
  expect(await hasher.verify(hash, 'lantern-orbit-94')).toBe(false);
  expect(await hasher.verify(null, 'anything')).toBe(false);
  expect(await hasher.verify('not-a-hash', 'anything')).toBe(false);
});

it('runs at most `concurrency` hashes at once and queues the rest in order', async () => {
  const hasher = new PasswordHasher(2);
  const work = Array.from({ length: 5 }, (_, i) => hasher.hash(`queued-password-${i}`));
  expect(hasher.load).toEqual({ running: 2, waiting: 3 });
  const hashes = await Promise.all(work);
  expect(new Set(hashes).size).toBe(5);
  expect(hasher.load).toEqual({ running: 0, waiting: 0 });
  for (let i = 0; i < 5; i++) expect(await hasher.verify(hashes[i]!, `queued-password-${i}`)).toBe(true);
});

it('frees its slot when a verification fails', async () => {
  const hasher = new PasswordHasher(1);
  await Promise.all([hasher.verify('garbage', 'x'), hasher.verify('garbage', 'y')]);
  expect(hasher.load).toEqual({ running: 0, waiting: 0 });
});

it('makes distinct, prefixed secrets and stable hashes', () => {
  const a = newSecretToken('cbr');
  expect(a).toMatch(/^cbr_[A-Za-z0-9_-]{43}$/);
  expect(newSecretToken('cbr')).not.toBe(a);
  expect(hashSecretToken(a)).toBe(hashSecretToken(a));
  expect(hashSecretToken(a)).not.toBe(a);
});
