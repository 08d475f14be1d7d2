// App Store signed-transaction verification: transactions verified per second with Apple's
// library (chain to the root, OIDs, signature, bundle id, environment), with its verified-chain
// cache (one long-lived verifier, as the API uses) and without it (a new verifier per call),
// against a bare ES256 signature check of the same JWS with jose (no chain) in the same run.
//
//   npm run bench:appstore            (also run by `npm run bench`)
//   BENCH_TRANSACTIONS=3000 npm run bench:appstore
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Environment, SignedDataVerifier } from '@apple/app-store-server-library';
import { compactVerify, decodeProtectedHeader, importX509 } from 'jose';
import sandboxModule from '../sandbox/dist/appstore/src/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(import.meta.dirname, 'results', 'appstore.json');
const COUNT = Number(process.env.BENCH_TRANSACTIONS ?? 2000);
const { startAppStoreSandbox } = sandboxModule;

const build = spawnSync('npm', ['run', 'build', '-w', 'sandbox'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build -w sandbox failed');

const store = await startAppStoreSandbox({ port: 0 });
try {
  const root = Buffer.from(store.rootCertificateBase64, 'base64');
  // Distinct transactions (distinct payloads and signatures), one chain, as from one App Store.
  const purchases = [];
  for (let i = 0; i < Math.min(COUNT, 200); i++) purchases.push((await store.purchase({ productId: 'com.crossbill.pro.monthly' })).signedTransaction);
  const tokens = Array.from({ length: COUNT }, (_, i) => purchases[i % purchases.length]);

  const newVerifier = () => new SignedDataVerifier([root], false, Environment.SANDBOX, store.bundleId, store.appAppleId);
  const shared = newVerifier();
  const leafPem = (jws) => `-----BEGIN CERTIFICATE-----\n${decodeProtectedHeader(jws).x5c[0]}\n-----END CERTIFICATE-----`;
  const leafKey = await importX509(leafPem(tokens[0]), 'ES256');

  const phases = {
    'jose ES256 signature only (baseline)': (jws) => compactVerify(jws, leafKey),
    'SignedDataVerifier, reused (chain cache)': (jws) => shared.verifyAndDecodeTransaction(jws),
    'SignedDataVerifier, new per call (no cache)': (jws) => newVerifier().verifyAndDecodeTransaction(jws),
  };
  const results = {};
  for (const [name, verify] of Object.entries(phases)) {
    for (const jws of tokens.slice(0, 50)) await verify(jws); // warm-up
    const started = performance.now();
    for (const jws of tokens) await verify(jws);
    const seconds = (performance.now() - started) / 1000;
    results[name] = { perSecond: Math.round((tokens.length / seconds) * 10) / 10, microsPerVerify: Math.round((seconds / tokens.length) * 1e6) };
  }
  const baseline = results['jose ES256 signature only (baseline)'].perSecond;
  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model, node: process.version },
    transactions: tokens.length,
    results,
    ratios: Object.fromEntries(Object.entries(results).map(([name, r]) => [name, Math.round((r.perSecond / baseline) * 1000) / 1000])),
  };
  console.log(`\n${report.machine.cpus} CPUs (${report.machine.cpuModel}), Node ${report.machine.node}; ${tokens.length} signed transactions, one at a time`);
  console.table(Object.entries(results).map(([phase, r]) => ({ phase, 'verified/s': r.perSecond, 'µs each': r.microsPerVerify, 'vs baseline': report.ratios[phase] })));
  await fs.mkdir(path.dirname(RESULTS), { recursive: true });
  await fs.writeFile(RESULTS, JSON.stringify(report, null, 2) + '\n');
  console.log(`Written to ${path.relative(ROOT, RESULTS)}`);
} finally {
  await store.close();
}
