/**
 * Signing keys (one RS256 key per issuer, plus the EC P-256 "Sign in with Apple" client key the web
 * uses for its client-secret JWT) and which subs have already authorized which Apple client. Fresh
 * per start, or kept in a JSON file when `stateFile` is given.
 */
import { KeyObject, createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Provider } from './accounts';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** Public JWK as published in the JWKS. */
  jwk: Record<string, unknown>;
}

interface StateFile {
  version: 1;
  keys: { google: string; apple: string; appleClient: string };
  /** `${clientId}|${sub}` pairs that have authorized before (Apple sends `user` only the first time). */
  authorized: string[];
}

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

function signingKey(privatePem: string): SigningKey {
  const privateKey = createPrivateKey(privatePem);
  const pub = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
  // RFC 7638 thumbprint of the public key as the kid: stable for a persisted key.
  const thumb = createHash('sha256')
    .update(JSON.stringify({ e: pub.e, kty: pub.kty, n: pub.n }))
    .digest('base64url');
  const kid = thumb.slice(0, 16);
  return { kid, privateKey, jwk: { kty: pub.kty, n: pub.n, e: pub.e, kid, alg: 'RS256', use: 'sig' } };
}

const rsaPem = () => pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);

export class OidcState {
  readonly keys: Record<Provider, SigningKey>;
  /** PKCS#8 PEM of the EC P-256 Apple client key (like Apple's `.p8`). */
  readonly appleClientKeyPem: string;
  readonly appleClientPublicKey: KeyObject;
  private readonly authorized: Set<string>;
  private readonly saved: StateFile['keys'];

  constructor(private readonly file?: string) {
    let saved: StateFile | undefined;
    if (file && existsSync(file)) saved = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
    const keys = saved?.keys ?? {
      google: rsaPem(),
      apple: rsaPem(),
      appleClient: pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    };
    this.keys = { google: signingKey(keys.google), apple: signingKey(keys.apple) };
    this.appleClientKeyPem = keys.appleClient;
    this.appleClientPublicKey = createPublicKey(createPrivateKey(keys.appleClient));
    this.authorized = new Set(saved?.authorized ?? []);
    this.saved = keys;
    if (file && !saved) this.save();
  }

  /** Records the authorization; true when this sub had not authorized this client before. */
  firstAuthorization(clientId: string, sub: string): boolean {
    const key = `${clientId}|${sub}`;
    if (this.authorized.has(key)) return false;
    this.authorized.add(key);
    this.save();
    return true;
  }

  save(): void {
    if (!this.file) return;
    const data: StateFile = { version: 1, keys: this.saved, authorized: [...this.authorized] };
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(data, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
