/**
 * The sandbox's stand-in for Apple's signing PKI: a self-signed root, an intermediate carrying Apple's
 * WWDR intermediate marker OID and a leaf carrying Apple's receipt-signing OID, all ECDSA P-256 with
 * subject/authority key identifiers, so `SignedDataVerifier` (and stricter chain checks such as
 * OpenSSL's) accept what the leaf signs once the API trusts this root instead of Apple Root CA G3.
 *
 * Also builds the broken chains the API's negative tests need (another root, an expired leaf, a leaf
 * or intermediate without Apple's OID).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Apple's marker on the WWDR intermediate that issues App Store signing certificates. */
export const OID_APPLE_WWDR_INTERMEDIATE = '1.2.840.113635.100.6.2.1';
/** Apple's marker on the leaf that signs App Store receipts, transactions and notifications. */
export const OID_APPLE_RECEIPT_SIGNING = '1.2.840.113635.100.6.11.1';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
const YEAR = 365 * DAY;
/** The verifier allows 60 s of clock skew; keep clear of the edges. */
const EDGE = 5 * 60_000;

export const NAMES = {
  root: 'CN=Crossbill App Store Sandbox Root CA - G3, OU=Crossbill Sandbox Certification Authority, O=Crossbill Sandbox, C=US',
  intermediate:
    'CN=Crossbill App Store Sandbox Worldwide Developer Relations CA, OU=G6, O=Crossbill Sandbox, C=US',
  leaf: 'CN=Crossbill App Store Sandbox Receipt Signing, OU=Crossbill Sandbox Developer Relations, O=Crossbill Sandbox, C=US',
};

/** A certificate with its private key, as stored in the state directory. */
export interface StoredCert {
  /** PEM certificate. */
  cert: string;
  /** PKCS#8 PEM private key. */
  key: string;
}

export interface StoredChain {
  root: StoredCert;
  intermediate: StoredCert;
  /** Signing leaves; more are minted when a signed date falls outside the ones there are. */
  leaves: StoredCert[];
}

/** What the JWS signer needs: the leaf's key and the x5c header (leaf, intermediate, root; base64 DER). */
export interface Signer {
  key: KeyObject;
  x5c: [string, string, string];
}

interface Issuer {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

const serial = () => {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive
  b[0] = (b[0] ?? 0) | 0x10; // no leading zero byte
  return b.toString('hex');
};

const appleMarker = (oid: string) => new x509.Extension(oid, false, new Uint8Array([0x05, 0x00])); // ASN.1 NULL, as Apple's

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function importPkcs8(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return (await webcrypto.subtle.importKey('pkcs8', der, EC, true, ['sign'])) as CryptoKey;
}

async function selfSignedRoot(notBefore: Date): Promise<{ stored: StoredCert; issuer: Issuer }> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: NAMES.root,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 20 * YEAR),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { stored: { cert: cert.toString('pem'), key: await pkcs8Pem(keys.privateKey) }, issuer: { cert, key: keys.privateKey } };
}

interface IssueOptions {
  subject: string;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  /** Apple marker OID to carry (omit for the "missing OID" forgeries). */
  marker?: string;
}

async function issue(by: Issuer, o: IssueOptions): Promise<{ stored: StoredCert; issuer: Issuer }> {
  const keys = await newKeys();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(o.ca, o.ca ? 0 : undefined, true),
    new x509.KeyUsagesExtension(
      o.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(by.cert.publicKey),
  ];
  if (o.marker) extensions.push(appleMarker(o.marker));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: o.subject,
    issuer: by.cert.subject,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    publicKey: keys.publicKey,
    signingKey: by.key,
    signingAlgorithm: SIGNING,
    extensions,
  });
  return { stored: { cert: cert.toString('pem'), key: await pkcs8Pem(keys.privateKey) }, issuer: { cert, key: keys.privateKey } };
}

const derBase64 = (pem: string) => Buffer.from(new x509.X509Certificate(pem).rawData).toString('base64');

/** Root (20 y) → intermediate (10 y, WWDR OID) → leaf (2 y, receipt-signing OID), all back-dated a little. */
export async function generateChain(now = new Date()): Promise<StoredChain> {
  const start = new Date(now.getTime() - YEAR);
  const root = await selfSignedRoot(start);
  const intermediate = await issue(root.issuer, {
    subject: NAMES.intermediate,
    notBefore: start,
    notAfter: new Date(start.getTime() + 10 * YEAR),
    ca: true,
    marker: OID_APPLE_WWDR_INTERMEDIATE,
  });
  const leafStart = new Date(now.getTime() - 30 * DAY);
  const leaf = await issue(intermediate.issuer, {
    subject: NAMES.leaf,
    notBefore: leafStart,
    notAfter: new Date(leafStart.getTime() + 2 * YEAR),
    ca: false,
    marker: OID_APPLE_RECEIPT_SIGNING,
  });
  return { root: root.stored, intermediate: intermediate.stored, leaves: [leaf.stored] };
}

export type ForgeryKind =
  /** A complete chain of the same shape and names under a different, untrusted root. */
  | 'foreignRoot'
  /** The sandbox's own intermediate and root, with a leaf that expired a year ago. */
  | 'expiredLeaf'
  /** The sandbox's own chain, with a leaf lacking 1.2.840.113635.100.6.11.1. */
  | 'leafWithoutAppleOid'
  /** The sandbox's own root, with an intermediate lacking 1.2.840.113635.100.6.2.1 (and a leaf under it). */
  | 'intermediateWithoutAppleOid';

/**
 * Holds the chain and hands out signers. `onChange` is called when a leaf is minted (to persist it).
 */
export class CertificateAuthority {
  private readonly forged = new Map<ForgeryKind, Promise<Signer>>();

  constructor(
    readonly chain: StoredChain,
    private readonly onChange: () => void = () => {},
  ) {}

  get rootDer(): Buffer {
    return Buffer.from(new x509.X509Certificate(this.chain.root.cert).rawData);
  }

  get rootPem(): string {
    return this.chain.root.cert;
  }

  /** A signer whose leaf is valid at `date` (the signed date the verifier checks validity against). */
  async signerFor(date: Date): Promise<Signer> {
    const t = date.getTime();
    const fits = (s: StoredCert) => {
      const c = new x509.X509Certificate(s.cert);
      return c.notBefore.getTime() + EDGE <= t && t <= c.notAfter.getTime() - EDGE;
    };
    let leaf = this.chain.leaves.find(fits);
    if (!leaf) {
      const inter = new x509.X509Certificate(this.chain.intermediate.cert);
      const notBefore = new Date(Math.max(t - DAY, inter.notBefore.getTime()));
      const notAfter = new Date(Math.min(t + 2 * YEAR, inter.notAfter.getTime()));
      if (!(notBefore.getTime() + EDGE <= t && t <= notAfter.getTime() - EDGE)) {
        throw new Error(
          `${date.toISOString()} is outside the sandbox certificate chain's validity (${inter.notBefore.toISOString()} – ${inter.notAfter.toISOString()})`,
        );
      }
      const minted = await issue(
        { cert: inter, key: await importPkcs8(this.chain.intermediate.key) },
        { subject: NAMES.leaf, notBefore, notAfter, ca: false, marker: OID_APPLE_RECEIPT_SIGNING },
      );
      leaf = minted.stored;
      this.chain.leaves.push(leaf);
      this.onChange();
    }
    return {
      key: createPrivateKey(leaf.key),
      x5c: [derBase64(leaf.cert), derBase64(this.chain.intermediate.cert), derBase64(this.chain.root.cert)],
    };
  }

  /** Signers for the negative tests (generated once per sandbox run, never persisted). */
  forgery(kind: ForgeryKind): Promise<Signer> {
    let p = this.forged.get(kind);
    if (!p) {
      p = this.buildForgery(kind);
      this.forged.set(kind, p);
    }
    return p;
  }

  private async buildForgery(kind: ForgeryKind): Promise<Signer> {
    const now = Date.now();
    const own = {
      root: { cert: new x509.X509Certificate(this.chain.root.cert), key: await importPkcs8(this.chain.root.key) },
      intermediate: {
        cert: new x509.X509Certificate(this.chain.intermediate.cert),
        key: await importPkcs8(this.chain.intermediate.key),
      },
    };
    const leafOptions = (marker?: string): IssueOptions => ({
      subject: NAMES.leaf,
      notBefore: new Date(now - 30 * DAY),
      notAfter: new Date(now + 2 * YEAR - 30 * DAY),
      ca: false,
      marker,
    });
    let certs: [StoredCert, StoredCert, StoredCert];
    switch (kind) {
      case 'foreignRoot': {
        const other = await generateChain(new Date(now));
        certs = [other.leaves[0] as StoredCert, other.intermediate, other.root];
        break;
      }
      case 'expiredLeaf': {
        const leaf = await issue(own.intermediate, {
          ...leafOptions(OID_APPLE_RECEIPT_SIGNING),
          notBefore: new Date(now - 3 * YEAR),
          notAfter: new Date(now - YEAR),
        });
        certs = [leaf.stored, this.chain.intermediate, this.chain.root];
        break;
      }
      case 'leafWithoutAppleOid': {
        const leaf = await issue(own.intermediate, leafOptions());
        certs = [leaf.stored, this.chain.intermediate, this.chain.root];
        break;
      }
      case 'intermediateWithoutAppleOid': {
        const inter = await issue(own.root, {
          subject: NAMES.intermediate,
          notBefore: new Date(now - YEAR),
          notAfter: new Date(now + 9 * YEAR),
          ca: true,
        });
        const leaf = await issue(inter.issuer, leafOptions(OID_APPLE_RECEIPT_SIGNING));
        certs = [leaf.stored, inter.stored, this.chain.root];
        break;
      }
      default:
        throw new Error(`unknown forgery kind: ${String(kind)}`);
    }
    return {
      key: createPrivateKey(certs[0].key),
      x5c: [derBase64(certs[0].cert), derBase64(certs[1].cert), derBase64(certs[2].cert)],
    };
  }
}
