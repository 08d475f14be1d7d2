// Crossbill API benchmark (see README.md). A measurement, not a test: nothing here passes or
// fails on timings; it only refuses to report figures when requests did not succeed.
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../scripts/lib/free-port.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(import.meta.dirname, 'results', 'latest.json');

const SECONDS = positiveNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = positiveNumber('BENCH_WARMUP_SECONDS', 3);
const CONNECTIONS = 10; // closed-loop clients in the throughput phases: enough to saturate the API
const PROBE_CONNECTIONS = 1; // `me` one request at a time: its latency is service time plus any stall
const LOGIN_CONNECTIONS = 4; // concurrent logins = libuv's default thread pool size (4 argon2 hashes at once)
const ROUNDS = 5; // each phase is measured in this many slices, alternating with the phase it is compared to
const SETTLE_MS = 250;

const USER = { email: 'bench@crossbill.test', password: 'bench-password-7f3k', name: 'Bench' };
const TYPENAME = { query: '{ __typename }' };
const ME = { query: '{ me { id email } }' };
const LOGIN = {
  query: 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }',
  variables: { input: { email: USER.email, password: USER.password } },
};

let api; // the API child process
let dataDir;

const cleanup = once(async () => {
  if (api && api.exitCode === null && api.signalCode === null) {
    await sleep(SETTLE_MS); // autocannon abandons requests in flight at the end of a run; let the API finish them
    const exited = new Promise((resolve) => api.once('exit', resolve));
    api.kill('SIGTERM'); // the API stops its embedded PostgreSQL itself
    if (!(await Promise.race([exited.then(() => true), sleep(20_000, false)]))) {
      api.kill('SIGKILL');
      console.error(`The API did not exit within 20 s; killed it. Its PostgreSQL may still be running under ${dataDir}.`);
    }
  }
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => cleanup().finally(() => process.exit(130)));
}

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}

async function main() {
  console.log('Building the API (npm run build -w api)…');
  const build = spawnSync('npm', ['run', 'build', '-w', 'api'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('`npm run build -w api` failed; fix the build and run `npm run bench` again.');

  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'crossbill-bench-'));
  await fs.chmod(dataDir, 0o755); // as root, PostgreSQL runs as the `postgres` user and must reach its directory
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  api = spawn(process.execPath, ['api/dist/main.js'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, API_HOST: '127.0.0.1', API_PORT: String(port), RATE_LIMITS_ENABLED: 'false', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForHealth(url);

  const signup = await graphql(url, {
    query: 'mutation Signup($input: SignupInput!) { signup(input: $input) { accessToken user { id } } }',
    variables: { input: USER },
  });
  const auth = { authorization: `Bearer ${signup.signup.accessToken}` };
  const load = (name, label, body, connections, headers, expect) => ({ url, name, label, body, connections, headers, expect });
  const typename = load('typename', '{ __typename }', TYPENAME, CONNECTIONS, {}, '"__typename":"Query"');
  const me = load('me', '{ me { id email } }', ME, CONNECTIONS, auth, '"me":{"id"');
  const meProbe = load('meProbe', 'me, no logins', ME, PROBE_CONNECTIONS, auth, '"me":{"id"');
  const meProbeDuringLogins = { ...meProbe, name: 'meProbeDuringLogins', label: 'me, during logins' };
  const login = load('loginDuringProbe', 'login, beside me', LOGIN, LOGIN_CONNECTIONS, {}, '"accessToken":"');
  // Failed logins must not tell a wrong password from an unknown address by their timing.
  const failedLogin = (name, label, email) => ({
    ...load(name, label, { ...LOGIN, variables: { input: { email, password: 'not-the-password-1' } } }, 1, {}, '"INVALID_CREDENTIALS"'),
    allowErrors: true,
  });
  const wrongPassword = failedLogin('wrongPassword', 'login, wrong password', USER.email);
  const unknownEmail = failedLogin('unknownEmail', 'login, unknown email', 'nobody@crossbill.test');

  console.log(`\nWarming up (${WARMUP_SECONDS} s each)…`);
  for (const warm of [typename, me, login]) await runLoad(warm, WARMUP_SECONDS);

  console.log(`Measuring { __typename } against { me } (${SECONDS} s each, in ${ROUNDS} alternating slices)…`);
  const throughput = await compare([[typename], [me]]);
  console.log(`Measuring me alone against me beside ${LOGIN_CONNECTIONS} login clients (${SECONDS} s each, in ${ROUNDS} alternating slices)…`);
  const logins = await compare([[meProbe], [meProbeDuringLogins, login]]);
  console.log(`Measuring failed logins: wrong password against unknown email (${SECONDS} s each, in ${ROUNDS} alternating slices)…`);
  const failedLogins = await compare([[wrongPassword], [unknownEmail]]);
  const phases = { ...throughput, ...logins, ...failedLogins };

  const ratio = (a, b) => round(a / b, 2);
  const ratios = {
    meVsTypename: {
      throughput: ratio(phases.me.rps, phases.typename.rps),
      p50: ratio(phases.me.p50, phases.typename.p50),
      p99: ratio(phases.me.p99, phases.typename.p99),
    },
    meDuringLoginsVsAlone: {
      p50: ratio(phases.meProbeDuringLogins.p50, phases.meProbe.p50),
      p99: ratio(phases.meProbeDuringLogins.p99, phases.meProbe.p99),
      throughput: ratio(phases.meProbeDuringLogins.rps, phases.meProbe.rps),
    },
    unknownEmailVsWrongPassword: {
      p50: ratio(phases.unknownEmail.p50, phases.wrongPassword.p50),
      p99: ratio(phases.unknownEmail.p99, phases.wrongPassword.p99),
    },
  };
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
    },
    config: {
      secondsPerPhase: SECONDS,
      rounds: ROUNDS,
      warmupSeconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      probeConnections: PROBE_CONNECTIONS,
      loginConnections: LOGIN_CONNECTIONS,
    },
    phases,
    ratios,
  };
  printReport(report);
  await fs.mkdir(path.dirname(RESULTS), { recursive: true });
  await fs.writeFile(RESULTS, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nWritten to ${path.relative(ROOT, RESULTS)}`);
}

/**
 * Runs the given steps (each a list of loads run at the same time) in ROUNDS alternating slices
 * of SECONDS / ROUNDS, so that both sides of a ratio see the same machine; ABBA order cancels drift.
 */
async function compare(steps) {
  const samples = {};
  for (let slice = 0; slice < ROUNDS; slice++) {
    for (const loads of slice % 2 ? [...steps].reverse() : steps) {
      await sleep(SETTLE_MS); // let the server finish what the previous slice left in flight
      const results = await Promise.all(loads.map((l) => runLoad(l, SECONDS / ROUNDS)));
      results.forEach((result, i) => {
        const sample = (samples[loads[i].name] ??= { load: loads[i], latencies: [], seconds: 0 });
        sample.latencies.push(result.latencies);
        sample.seconds += result.seconds;
      });
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, summarise(s)]));
}

function summarise({ load, latencies, seconds }) {
  const all = latencies.flat().sort((a, b) => a - b);
  const at = (q) => round(all[Math.min(all.length - 1, Math.ceil(q * all.length) - 1)], 2);
  return {
    label: load.label,
    connections: load.connections,
    seconds: round(seconds, 2),
    requests: all.length,
    rps: round(all.length / seconds, 1),
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
  };
}

/** One autocannon run; it keeps every successful response's exact time (ms) for the percentiles. */
async function runLoad({ url, body, headers = {}, expect, connections, allowErrors = false }, seconds) {
  const latencies = [];
  const instance = autocannon({
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    connections,
    duration: seconds,
    sampleInt: 100, // autocannon only stops on a sample tick: this ends a run within 0.1 s of `seconds`
    verifyBody: (text) => text.includes(expect) && (allowErrors || !text.includes('"errors"')),
  });
  instance.on('response', (_client, status, _bytes, ms) => status === 200 && latencies.push(ms));
  const result = await instance;
  const failed = result.non2xx + result.errors + result.timeouts + result.mismatches;
  if (failed) {
    throw new Error(
      `${failed} of ${result.requests.sent} requests to ${body.query} failed (non-2xx ${result.non2xx}, ` +
        `errors ${result.errors}, timeouts ${result.timeouts}, unexpected bodies ${result.mismatches})`,
    );
  }
  return { latencies, seconds: result.duration };
}

function printReport({ phases, ratios, machine, config }) {
  const rows = Object.values(phases).map((p) => ({
    phase: p.label,
    conns: p.connections,
    'req/s': p.rps,
    'p50 ms': p.p50,
    'p90 ms': p.p90,
    'p99 ms': p.p99,
    'max ms': p.max,
    requests: p.requests,
  }));
  console.log(`\n${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}; ${config.secondsPerPhase} s per phase in ${config.rounds} alternating slices`);
  console.table(rows);
  const { meVsTypename: a, meDuringLoginsVsAlone: b, unknownEmailVsWrongPassword: c } = ratios;
  console.log(`me / __typename:              throughput ×${a.throughput}, p50 ×${a.p50}, p99 ×${a.p99}`);
  console.log(`me during logins / me alone:  p50 ×${b.p50}, p99 ×${b.p99}, throughput ×${b.throughput}`);
  console.log(`login throughput beside me:   ${phases.loginDuringProbe.rps} req/s (p50 ${phases.loginDuringProbe.p50} ms)`);
  console.log(`unknown email / wrong password (failed-login timing): p50 ×${c.p50}, p99 ×${c.p99}`);
}

async function waitForHealth(url, timeoutMs = 60_000) {
  const exited = new Promise((_, reject) =>
    api.once('exit', (code, signal) => reject(new Error(`the API exited during start-up (${signal ?? `code ${code}`})`))),
  );
  exited.catch(() => {});
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const healthy = await fetch(`${url}/healthz`)
      .then((r) => r.json())
      .then((b) => b.status === 'ok')
      .catch(() => false);
    if (healthy) return;
    await Promise.race([sleep(250), exited]);
  }
  throw new Error(`the API was not healthy within ${timeoutMs / 1000} s`);
}

async function graphql(url, body) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json();
  if (json.errors?.length) throw new Error(`GraphQL: ${json.errors.map((e) => e.message).join('; ')}`);
  return json.data;
}


function positiveNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (value > 0) return value;
  console.error(`${name} must be a positive number of seconds, got "${raw}"`);
  process.exit(1); // nothing has been started yet
}

function round(value, digits) {
  return Number(value.toFixed(digits));
}

function once(fn) {
  let promise;
  return () => (promise ??= fn());
}
