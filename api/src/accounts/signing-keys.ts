import fs from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import type { Logger } from '../platform/logger';

export const ACCESS_TOKEN_ALG = 'ES256';

export interface SigningKeys {
  /** The key new tokens are signed with. */
  active: { kid: string; key: CryptoKey };
  /** Public halves of every configured key, newest first: the JWKS document. */
  publicJwks: JWK[];
}

const privateJwkSchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string(),
  y: z.string(),
  d: z.string(),
  kid: z.string().min(1),
});

/**
 * Keys come from JWT_SIGNING_KEYS (a JSON array of private EC P-256 JWKs, the first one
 * active) or, outside production, from a file generated under the data directory on first
 * start. Rotation: put a new key first and keep the old one listed until every token it
 * signed has expired (the access-token lifetime), so verifiers never meet an unknown kid.
 */
export async function loadSigningKeys(
  options: { json: string | undefined; dataDir: string; allowGenerate: boolean },
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<SigningKeys> {
  let raw: unknown;
  if (options.json) {
    raw = JSON.parse(options.json);
  } else {
    if (!options.allowGenerate) throw new Error('JWT_SIGNING_KEYS is required');
    raw = await readOrCreateKeyFile(path.join(options.dataDir, 'jwt-signing-keys.json'), log);
  }
  const jwks = z.array(privateJwkSchema).min(1).parse(raw);
  const first = jwks[0]!;
  const key = (await importJWK({ ...first, alg: ACCESS_TOKEN_ALG }, ACCESS_TOKEN_ALG)) as CryptoKey;
  const publicJwks = jwks.map(({ d: _private, ...pub }) => ({ ...pub, alg: ACCESS_TOKEN_ALG, use: 'sig' }));
  return { active: { kid: first.kid, key }, publicJwks };
}

export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const { d: _d, ...pub } = jwk;
  jwk.kid = await calculateJwkThumbprint(pub);
  return jwk;
}

async function readOrCreateKeyFile(file: string, log: Pick<Logger, 'info' | 'warn'>): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const jwk = await generateSigningJwk();
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    // 'wx': if another process created the file meanwhile, keep theirs.
    await fs.writeFile(file, JSON.stringify([jwk], null, 2), { mode: 0o600, flag: 'wx' });
    log.warn({ file }, 'generated a new JWT signing key (set JWT_SIGNING_KEYS in production)');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return JSON.parse(await fs.readFile(file, 'utf8'));
}
