import { AccessTokens } from '../../src/accounts/access-tokens';
import { generateSigningJwk, loadSigningKeys } from '../../src/accounts/signing-keys';

const quiet = { info: () => undefined, warn: () => undefined };
const options = { issuer: 'https://api.example.com', audience: 'crossbill', ttlSeconds: 900 };

async function tokensWith(jwks: object[]) {
  const keys = await loadSigningKeys({ json: JSON.stringify(jwks), dataDir: '/nonexistent', allowGenerate: false }, quiet);
  return { keys, tokens: new AccessTokens(keys, options) };
}

it('rotates keys by kid: tokens from the previous key verify while it is still listed', async () => {
  const oldKey = await generateSigningJwk();
  const newKey = await generateSigningJwk();
  const before = await tokensWith([oldKey]);
  const issuedBefore = await before.tokens.issue('user-1', 'session-1');

  const during = await tokensWith([newKey, oldKey]);
  expect(during.keys.publicJwks.map((k) => k.kid)).toEqual([newKey.kid, oldKey.kid]);
  await expect(during.tokens.verify(issuedBefore.token)).resolves.toMatchObject({ userId: 'user-1', sessionId: 'session-1' });
  const issuedDuring = await during.tokens.issue('user-2', 'session-2');
  expect(JSON.parse(Buffer.from(issuedDuring.token.split('.')[0]!, 'base64url').toString()).kid).toBe(newKey.kid);

  const after = await tokensWith([newKey]);
  await expect(after.tokens.verify(issuedBefore.token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  await expect(after.tokens.verify(issuedDuring.token)).resolves.toMatchObject({ userId: 'user-2' });
});

it('rejects tokens for another audience or issuer', async () => {
  const key = await generateSigningJwk();
  const keys = await loadSigningKeys({ json: JSON.stringify([key]), dataDir: '/nonexistent', allowGenerate: false }, quiet);
  const other = new AccessTokens(keys, { ...options, audience: 'someone-else' });
  const mine = new AccessTokens(keys, options);
  const foreign = await other.issue('user-1', 'session-1');
  await expect(mine.verify(foreign.token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  const otherIssuer = new AccessTokens(keys, { ...options, issuer: 'https://evil.example.com' });
  await expect(mine.verify((await otherIssuer.issue('u', 's')).token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
});

it('refuses malformed key configuration and requires keys when generation is off', async () => {
  await expect(loadSigningKeys({ json: '[{"kty":"RSA"}]', dataDir: '/x', allowGenerate: false }, quiet)).rejects.toThrow();
  await expect(loadSigningKeys({ json: '[]', dataDir: '/x', allowGenerate: false }, quiet)).rejects.toThrow();
  await expect(loadSigningKeys({ json: undefined, dataDir: '/x', allowGenerate: false }, quiet)).rejects.toThrow(/JWT_SIGNING_KEYS/);
});
