import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  Environment,
  SignedDataVerifier,
  type JWSRenewalInfoDecodedPayload,
  type JWSTransactionDecodedPayload,
  type ResponseBodyV2DecodedPayload,
} from '@apple/app-store-server-library';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { AppError } from '../../platform/errors';
import type { Logger } from '../../platform/logger';

/** Apple Root CA - G3, shipped in api/certs; its SHA-256 is checked at start. */
const APPLE_ROOT_PATH = path.resolve(__dirname, '../../../certs/AppleRootCA-G3.cer');
const APPLE_ROOT_SHA256 = '63343abfb89a6a03ebb57e9b3f5fa7be7c4f5c756f3017b3a8c488c3653e9179';

const ENVIRONMENTS: Record<string, Environment> = {
  Production: Environment.PRODUCTION,
  Sandbox: Environment.SANDBOX,
  LocalTesting: Environment.LOCAL_TESTING,
  Xcode: Environment.XCODE,
};

export interface AppleVerifierOptions {
  bundleId: string;
  appAppleId: number | undefined;
  environments: string[];
  rootCertificate: string | undefined;
  onlineChecks: boolean;
  allowLocalTesting: boolean;
}

/** Loads Apple's root and refuses to start if the file is not the certificate we expect. */
export function appleRootCertificate(): Buffer {
  const der = fs.readFileSync(APPLE_ROOT_PATH);
  const digest = createHash('sha256').update(der).digest('hex');
  if (digest !== APPLE_ROOT_SHA256) throw new Error(`${APPLE_ROOT_PATH} is not Apple Root CA - G3 (SHA-256 ${digest})`);
  return der;
}

/**
 * Verifies App Store signed data with Apple's library: the x5c chain up to the trusted root,
 * the signature, bundle id, app Apple id (production) and environment. One library verifier
 * per accepted environment; the environment a JWS claims picks the verifier, and anything not
 * configured is refused. `LocalTesting` and `Xcode` — for which the library skips the signature
 * check — are accepted only with APPSTORE_ALLOW_LOCAL_TESTING, which production refuses.
 */
export class AppleVerifier {
  private readonly verifiers = new Map<string, SignedDataVerifier>();

  constructor(options: AppleVerifierOptions, log: Logger) {
    const roots = [options.rootCertificate ? Buffer.from(options.rootCertificate, 'base64') : appleRootCertificate()];
    if (options.rootCertificate) log.warn('App Store: trusting a configured test root instead of Apple Root CA - G3 (development only)');
    for (const name of options.environments) {
      const environment = ENVIRONMENTS[name];
      if (!environment) throw new Error(`unknown App Store environment ${name}`);
      const unsafe = environment === Environment.LOCAL_TESTING || environment === Environment.XCODE;
      if (unsafe && !options.allowLocalTesting) throw new Error(`App Store environment ${name} needs APPSTORE_ALLOW_LOCAL_TESTING (it skips signature checks)`);
      if (unsafe) log.warn({ environment: name }, 'App Store: accepting UNSIGNED local-testing data (development flag set)');
      this.verifiers.set(name, new SignedDataVerifier(roots, options.onlineChecks, environment, options.bundleId, options.appAppleId));
    }
  }

  verifyTransaction(jws: string): Promise<JWSTransactionDecodedPayload> {
    return this.run(jws, (v) => v.verifyAndDecodeTransaction(jws));
  }

  verifyRenewalInfo(jws: string): Promise<JWSRenewalInfoDecodedPayload> {
    return this.run(jws, (v) => v.verifyAndDecodeRenewalInfo(jws));
  }

  verifyNotification(jws: string): Promise<ResponseBodyV2DecodedPayload> {
    return this.run(jws, (v) => v.verifyAndDecodeNotification(jws));
  }

  private async run<T>(jws: string, verify: (verifier: SignedDataVerifier) => Promise<T>): Promise<T> {
    let environment: unknown;
    try {
      decodeProtectedHeader(jws);
      const claims = decodeJwt(jws) as { environment?: unknown; data?: { environment?: unknown } };
      environment = claims.environment ?? claims.data?.environment;
    } catch (error) {
      throw new AppError('APPLE_VERIFICATION_FAILED', 'This is not App Store signed data.', { cause: error });
    }
    const verifier = typeof environment === 'string' ? this.verifiers.get(environment) : undefined;
    if (!verifier) throw new AppError('APPLE_VERIFICATION_FAILED', `App Store data from the ${String(environment)} environment is not accepted here.`);
    try {
      return await verify(verifier);
    } catch (error) {
      throw new AppError('APPLE_VERIFICATION_FAILED', undefined, { cause: error });
    }
  }
}
