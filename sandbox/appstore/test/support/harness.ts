import { AppStoreServerAPIClient, Environment, SignedDataVerifier } from '@apple/app-store-server-library';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AppStoreSandbox } from '../../src';

export const MONTHLY = 'com.crossbill.pro.monthly';
export const YEARLY = 'com.crossbill.pro.yearly';
export const TOKEN = '7e3fb20b-4cdb-47cc-936d-99d65f608138';

/** Apple Root CA G3 (a copy of ../shared/apple/AppleRootCA-G3.cer). */
export const appleRootG3 = () => readFileSync(join(__dirname, '..', '..', 'fixtures', 'AppleRootCA-G3.cer'));

/** The verifier exactly as the API builds it in sandbox mode. */
export function verifierFor(
  sandbox: AppStoreSandbox,
  o: { roots?: Buffer[]; bundleId?: string; environment?: Environment; appAppleId?: number } = {},
): SignedDataVerifier {
  return new SignedDataVerifier(
    o.roots ?? [Buffer.from(sandbox.rootCertificateBase64, 'base64')],
    false,
    o.environment ?? Environment.SANDBOX,
    o.bundleId ?? sandbox.bundleId,
    o.appAppleId ?? sandbox.appAppleId,
  );
}

/** The Server API client exactly as the API builds it in sandbox mode (urlBase pointed at the sandbox). */
export function clientFor(
  sandbox: AppStoreSandbox,
  o: { privateKeyPem?: string; keyId?: string; issuerId?: string; bundleId?: string } = {},
): AppStoreServerAPIClient {
  const client = new AppStoreServerAPIClient(
    o.privateKeyPem ?? sandbox.serverApi.privateKeyPem,
    o.keyId ?? sandbox.serverApi.keyId,
    o.issuerId ?? sandbox.serverApi.issuerId,
    o.bundleId ?? sandbox.bundleId,
    Environment.SANDBOX,
  );
  (client as unknown as { urlBase: string }).urlBase = sandbox.url;
  return client;
}

export interface Receiver {
  url: string;
  /** Every signedPayload received (including answered with an error). */
  received: string[];
  /** Answer the next n requests with 500. */
  failNext(n: number): void;
  /** Resolves when `count` payloads have arrived in total. */
  waitFor(count: number, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** A stand-in for the API's notification endpoint. */
export async function startReceiver(): Promise<Receiver> {
  const received: string[] = [];
  let failures = 0;
  const waiters: { count: number; resolve: (v: string[]) => void }[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { signedPayload: string };
      received.push(body.signedPayload);
      for (const w of [...waiters]) {
        if (received.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(received.slice());
        }
      }
      if (failures > 0) {
        failures--;
        res.statusCode = 500;
        res.end('boom');
        return;
      }
      res.statusCode = 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks/app-store`,
    received,
    failNext: (n) => {
      failures = n;
    },
    waitFor: (count, timeoutMs = 5000) =>
      new Promise<string[]>((resolve, reject) => {
        if (received.length >= count) return resolve(received.slice());
        const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${count} notifications arrived`)), timeoutMs);
        waiters.push({
          count,
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
