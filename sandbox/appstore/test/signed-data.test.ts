/**
 * What the sandbox signs passes Apple's own SignedDataVerifier (the API's verifier in sandbox mode)
 * when the sandbox root is trusted — and fails it for every way it should.
 */
import 'reflect-metadata';
import { Environment, VerificationException, VerificationStatus } from '@apple/app-store-server-library';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AppStoreSandbox, OID_APPLE_RECEIPT_SIGNING, OID_APPLE_WWDR_INTERMEDIATE, decodeJws, startAppStoreSandbox } from '../src';
import { MONTHLY, TOKEN, appleRootG3, verifierFor } from './support/harness';

let sandbox: AppStoreSandbox;
let bought: Awaited<ReturnType<AppStoreSandbox['purchase']>>;

beforeAll(async () => {
  sandbox = await startAppStoreSandbox({ port: 0 });
  bought = await sandbox.purchase({ productId: MONTHLY, appAccountToken: TOKEN });
});
afterAll(() => sandbox.close());

async function statusOf(p: Promise<unknown>): Promise<VerificationStatus> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VerificationException);
    return (err as VerificationException).status;
  }
  throw new Error('verification unexpectedly succeeded');
}

describe('accepted with the sandbox root', () => {
  it('verifies and decodes a StoreKit 2 transaction', async () => {
    const tx = await verifierFor(sandbox).verifyAndDecodeTransaction(bought.signedTransaction);
    expect(tx).toMatchObject({
      transactionId: bought.transactionId,
      originalTransactionId: bought.originalTransactionId,
      bundleId: 'com.crossbill.app',
      productId: MONTHLY,
      subscriptionGroupIdentifier: expect.any(String),
      quantity: 1,
      type: 'Auto-Renewable Subscription',
      appAccountToken: TOKEN,
      inAppOwnershipType: 'PURCHASED',
      environment: 'Sandbox',
      transactionReason: 'PURCHASE',
      storefront: 'USA',
      storefrontId: '143441',
      price: 4990,
      currency: 'USD',
    });
    expect(tx.webOrderLineItemId).toMatch(/^\d+$/);
    expect(tx.originalPurchaseDate).toBe(tx.purchaseDate);
    const expires = new Date(tx.purchaseDate as number);
    expires.setUTCMonth(expires.getUTCMonth() + 1);
    expect(Math.abs((tx.expiresDate as number) - expires.getTime())).toBeLessThanOrEqual(3 * 86_400_000);
    expect(tx.signedDate).toBeGreaterThan(Date.now() - 60_000);
  });

  it('verifies and decodes a renewal info', async () => {
    const info = await verifierFor(sandbox).verifyAndDecodeRenewalInfo(bought.signedRenewalInfo);
    expect(info).toMatchObject({
      originalTransactionId: bought.originalTransactionId,
      autoRenewProductId: MONTHLY,
      productId: MONTHLY,
      autoRenewStatus: 1,
      isInBillingRetryPeriod: false,
      environment: 'Sandbox',
      appAccountToken: TOKEN,
    });
    expect(info.recentSubscriptionStartDate).toEqual(expect.any(Number));
    expect(info.renewalDate).toEqual(expect.any(Number));
  });

  it('verifies and decodes a V2 notification with its nested signed data', async () => {
    const verifier = verifierFor(sandbox);
    const n = await verifier.verifyAndDecodeNotification(bought.signedPayload);
    expect(n).toMatchObject({
      notificationType: 'SUBSCRIBED',
      subtype: 'INITIAL_BUY',
      notificationUUID: bought.notificationUUID,
      version: '2.0',
      data: { appAppleId: 1234567890, bundleId: 'com.crossbill.app', bundleVersion: '1', environment: 'Sandbox', status: 1 },
    });
    const tx = await verifier.verifyAndDecodeTransaction(n.data?.signedTransactionInfo as string);
    expect(tx.transactionId).toBe(bought.transactionId);
    await verifier.verifyAndDecodeRenewalInfo(n.data?.signedRenewalInfo as string);
  });

  it('is refused by a Production verifier on the environment claim alone', async () => {
    // Environment claims are "Sandbox", so a Production verifier refuses on environment only.
    const production = verifierFor(sandbox, { environment: Environment.PRODUCTION });
    expect(await statusOf(production.verifyAndDecodeTransaction(bought.signedTransaction))).toBe(VerificationStatus.INVALID_ENVIRONMENT);
  });

  it('signs with a leaf valid at the signed date, minting one for dates outside the first leaf', async () => {
    const later = new Date(Date.now() + 3 * 365 * 86_400_000);
    const r = await sandbox.purchase({ productId: MONTHLY, at: later });
    const tx = await verifierFor(sandbox).verifyAndDecodeTransaction(r.signedTransaction);
    expect(tx.signedDate).toBe(later.getTime());
    expect(decodeJws(r.signedTransaction).header.x5c).not.toEqual(decodeJws(bought.signedTransaction).header.x5c);
  });

  it('re-signs any payload (e.g. a stale notification) with signNotification', async () => {
    const { payload } = decodeJws<Record<string, unknown>>(bought.signedPayload);
    const stale = await sandbox.signNotification({ ...payload, signedDate: (payload.signedDate as number) - 3_600_000 });
    const n = await verifierFor(sandbox).verifyAndDecodeNotification(stale);
    expect(n.signedDate).toBe((payload.signedDate as number) - 3_600_000);
    expect(n.notificationUUID).toBe(bought.notificationUUID);
  });
});

describe('refused', () => {
  it('with Apple Root CA G3 as the only trusted root', async () => {
    const apple = verifierFor(sandbox, { roots: [appleRootG3()] });
    expect(await statusOf(apple.verifyAndDecodeTransaction(bought.signedTransaction))).toBe(VerificationStatus.VERIFICATION_FAILURE);
    expect(await statusOf(apple.verifyAndDecodeRenewalInfo(bought.signedRenewalInfo))).toBe(VerificationStatus.VERIFICATION_FAILURE);
    expect(await statusOf(apple.verifyAndDecodeNotification(bought.signedPayload))).toBe(VerificationStatus.VERIFICATION_FAILURE);
  });

  it('when the verifier expects another bundle id', async () => {
    const other = verifierFor(sandbox, { bundleId: 'com.example.other' });
    expect(await statusOf(other.verifyAndDecodeTransaction(bought.signedTransaction))).toBe(VerificationStatus.INVALID_APP_IDENTIFIER);
    expect(await statusOf(other.verifyAndDecodeNotification(bought.signedPayload))).toBe(VerificationStatus.INVALID_APP_IDENTIFIER);
  });

  it('forgeries: wrong bundle id / environment, properly signed', async () => {
    const v = verifierFor(sandbox);
    const id = bought.originalTransactionId;
    expect(await statusOf(v.verifyAndDecodeTransaction(await sandbox.forgeries.wrongBundleId(id)))).toBe(VerificationStatus.INVALID_APP_IDENTIFIER);
    expect(await statusOf(v.verifyAndDecodeTransaction(await sandbox.forgeries.wrongEnvironment(id)))).toBe(VerificationStatus.INVALID_ENVIRONMENT);
    expect(await statusOf(v.verifyAndDecodeNotification(await sandbox.forgeries.wrongBundleIdNotification()))).toBe(
      VerificationStatus.INVALID_APP_IDENTIFIER,
    );
  });

  it('forgeries: broken chains', async () => {
    const v = verifierFor(sandbox);
    const payload = sandbox.transactionPayload(bought.transactionId);
    const f = sandbox.forgeries;
    expect(await statusOf(v.verifyAndDecodeTransaction(await f.foreignRootChain(payload)))).toBe(VerificationStatus.VERIFICATION_FAILURE);
    expect(await statusOf(v.verifyAndDecodeTransaction(await f.expiredLeaf(payload)))).toBe(VerificationStatus.INVALID_CERTIFICATE);
    expect(await statusOf(v.verifyAndDecodeTransaction(await f.leafWithoutAppleOid(payload)))).toBe(VerificationStatus.VERIFICATION_FAILURE);
    expect(await statusOf(v.verifyAndDecodeTransaction(await f.intermediateWithoutAppleOid(payload)))).toBe(
      VerificationStatus.VERIFICATION_FAILURE,
    );
    expect(await statusOf(v.verifyAndDecodeTransaction(await f.shortChain(payload)))).toBe(VerificationStatus.INVALID_CERTIFICATE);
    expect(await statusOf(v.verifyAndDecodeTransaction(await f.badSignature(payload)))).toBe(VerificationStatus.VERIFICATION_FAILURE);
    // Notifications and renewal infos go through the same chain check.
    const { payload: n } = decodeJws(bought.signedPayload);
    expect(await statusOf(v.verifyAndDecodeNotification(await f.foreignRootChain(n)))).toBe(VerificationStatus.VERIFICATION_FAILURE);
    expect(await statusOf(v.verifyAndDecodeNotification(await f.expiredLeaf(n)))).toBe(VerificationStatus.INVALID_CERTIFICATE);
  });

  it('the foreign chain is itself well formed: trusting its root accepts it', async () => {
    const payload = sandbox.transactionPayload(bought.transactionId);
    const foreignRoot = Buffer.from(await sandbox.forgeries.foreignRootCertificateBase64(), 'base64');
    const v = verifierFor(sandbox, { roots: [foreignRoot] });
    await expect(v.verifyAndDecodeTransaction(await sandbox.forgeries.foreignRootChain(payload))).resolves.toMatchObject({
      transactionId: bought.transactionId,
    });
  });
});

describe('the certificate chain', () => {
  const chain = () => (decodeJws(bought.signedTransaction).header.x5c as string[]).map((b) => Buffer.from(b, 'base64'));

  it('is root → intermediate (CA, WWDR OID) → leaf (receipt-signing OID), ECDSA P-256, with key identifiers', () => {
    const [leafDer, interDer, rootDer] = chain() as [Buffer, Buffer, Buffer];
    expect(rootDer.toString('base64')).toBe(sandbox.rootCertificateBase64);
    const [leaf, inter, root] = [leafDer, interDer, rootDer].map((d) => new X509Certificate(d)) as [X509Certificate, X509Certificate, X509Certificate];
    expect(root.ca).toBe(true);
    expect(root.checkIssued(root)).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(inter.ca).toBe(true);
    expect(inter.checkIssued(root)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(inter)).toBe(true);
    for (const c of [leaf, inter, root]) {
      expect(c.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    }
    const p = (d: Buffer) => new x509.X509Certificate(d);
    expect(p(interDer).getExtension(OID_APPLE_WWDR_INTERMEDIATE)).toBeTruthy();
    expect(p(leafDer).getExtension(OID_APPLE_RECEIPT_SIGNING)).toBeTruthy();
    const ski = (d: Buffer) => p(d).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const aki = (d: Buffer) => p(d).getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
    expect(aki(leafDer)).toBe(ski(interDer));
    expect(aki(interDer)).toBe(ski(rootDer));
    expect(aki(rootDer)).toBe(ski(rootDer));
    const rootKeyUsage = p(rootDer).getExtension(x509.KeyUsagesExtension);
    expect(rootKeyUsage && rootKeyUsage.usages & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    const years = (c: X509Certificate) => (Date.parse(c.validTo) - Date.parse(c.validFrom)) / (365 * 86_400_000);
    expect(Math.round(years(root))).toBe(20);
    expect(Math.round(years(inter))).toBe(10);
    expect(Math.round(years(leaf))).toBe(2);
  });

  it('uses ES256 with x5c in the JWS header', () => {
    const { header } = decodeJws(bought.signedTransaction);
    expect(header.alg).toBe('ES256');
    expect((header.x5c as string[]).length).toBe(3);
  });
});
