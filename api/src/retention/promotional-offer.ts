import { randomUUID } from 'node:crypto';
import { PromotionalOfferSignatureCreator } from '@apple/app-store-server-library';
import type { PromotionalOfferSigner } from './retention.service';

/**
 * Signs App Store promotional offers with the In-App Purchase key (Apple's library), returning
 * what StoreKit's `Product.PurchaseOption.promotionalOffer(offerID:keyID:nonce:signature:timestamp:)`
 * needs, as JSON.
 */
export function promotionalOfferSigner(key: { privateKey: string; keyId: string } | null, bundleId: string | undefined): PromotionalOfferSigner {
  if (!key || !bundleId) return null;
  const creator = new PromotionalOfferSignatureCreator(key.privateKey, key.keyId, bundleId);
  return async ({ productId, offerId, appAccountToken }) => {
    const nonce = randomUUID();
    const timestamp = Date.now();
    const signature = await creator.createSignature(productId, offerId, appAccountToken, nonce, timestamp);
    return JSON.stringify({ productId, offerId, keyId: key.keyId, nonce, timestamp, signature, appAccountToken });
  };
}
