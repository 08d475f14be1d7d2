// `npm start`: builds what is out of date, then runs the API (with its embedded PostgreSQL
// when DATABASE_URL is unset) and the web app, and prints where they are. Ctrl-C stops both.
//
// Environment (all optional): API_PORT (4000), WEB_PORT (3000), DATA_DIR (.data), plus
// anything in .env.example; a .env file at the repository root is read if present.
// Without STRIPE_SECRET_KEY the local Stripe sandbox (sandbox/stripe) stands in for Stripe:
// it starts first (STRIPE_SANDBOX_PORT, default 12111; state kept in DATA_DIR), the API talks
// to it through STRIPE_API_URL, the catalogue is synced into it, and the web pages load its
// Stripe.js stand-in. With real keys none of that runs.
// Likewise without any Google/Apple configuration a local OpenID provider (sandbox/oidc,
// OIDC_SANDBOX_PORT, default 12112) stands in for both, with an account picker; and without
// APPSTORE_BUNDLE_ID a local App Store (sandbox/appstore, APPSTORE_SANDBOX_PORT, default 12113)
// signs transactions and notifications with a test chain the API is told to trust.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (message) => console.log(`[crossbill] ${message}`);

loadDotEnv(path.join(root, '.env'));
const apiPort = Number(process.env.API_PORT ?? 4000);
const webPort = Number(process.env.WEB_PORT ?? process.env.PORT ?? 3000);
const apiUrl = `http://localhost:${apiPort}`;
const webUrl = process.env.PUBLIC_WEB_URL ?? `http://localhost:${webPort}`;

buildIfStale('api', ['api/src', 'schema.graphql', 'api/tsconfig.json', 'api/tsconfig.build.json'], 'api/dist/main.js');
buildIfStale('web', ['web/app', 'web/scripts', 'web/vite.config.ts', 'web/package.json'], 'web/build/server/index.js');
const stripeSandboxMode = !process.env.STRIPE_SECRET_KEY;
const oidcSandboxMode = ['GOOGLE_CLIENT_IDS', 'APPLE_CLIENT_IDS', 'GOOGLE_CLIENT_ID', 'APPLE_SERVICES_ID'].every((name) => !process.env[name]);
const appStoreSandboxMode = !process.env.APPSTORE_BUNDLE_ID;
if (stripeSandboxMode || oidcSandboxMode || appStoreSandboxMode) {
  buildIfStale('sandbox', ['sandbox/shared', 'sandbox/stripe/src', 'sandbox/oidc/src', 'sandbox/appstore/src', 'sandbox/tsconfig.json'], 'sandbox/dist/appstore/src/cli.js');
}

const children = [];
// Declared before anything starts: a child may exit (and call stop) while start-up is still awaiting.
let stopping = false;
const env = {
  ...process.env,
  API_PORT: String(apiPort),
  PUBLIC_WEB_URL: webUrl,
  DATA_DIR: process.env.DATA_DIR ?? path.join(root, '.data'),
};

let stripeSandbox = null;
if (stripeSandboxMode) {
  const webhookSecret = 'whsec_crossbill_local_sandbox';
  fs.mkdirSync(env.DATA_DIR, { recursive: true });
  stripeSandbox = await runUntilReady('stripe-sandbox', [path.join(root, 'sandbox/dist/stripe/src/cli.js')], {
    ...env,
    STRIPE_SANDBOX_PORT: process.env.STRIPE_SANDBOX_PORT ?? '12111',
    STRIPE_SANDBOX_STATE_FILE: path.join(env.DATA_DIR, 'stripe-sandbox.json'),
    STRIPE_SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${apiPort}/webhooks/stripe`,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
  });
  Object.assign(env, {
    STRIPE_SECRET_KEY: stripeSandbox.secretKey,
    STRIPE_PUBLISHABLE_KEY: stripeSandbox.publishableKey,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_API_URL: stripeSandbox.url,
  });
}

let oidcSandbox = null;
const webProviderEnv = {};
if (oidcSandboxMode) {
  oidcSandbox = await runUntilReady('oidc-sandbox', [path.join(root, 'sandbox/dist/oidc/src/cli.js')], {
    ...env,
    OIDC_SANDBOX_PORT: process.env.OIDC_SANDBOX_PORT ?? '12112',
  });
  const { google, apple } = oidcSandbox;
  Object.assign(env, {
    GOOGLE_ISSUER: google.issuer,
    GOOGLE_JWKS_URL: google.jwksUrl,
    GOOGLE_CLIENT_IDS: google.clientIds.join(','),
    APPLE_ISSUER: apple.issuer,
    APPLE_JWKS_URL: apple.jwksUrl,
    APPLE_CLIENT_IDS: [apple.servicesId, apple.bundleId].join(','),
  });
  Object.assign(webProviderEnv, {
    GOOGLE_CLIENT_ID: google.webClientId,
    GOOGLE_CLIENT_SECRET: google.webClientSecret,
    GOOGLE_AUTHORIZATION_URL: google.authorizationUrl,
    GOOGLE_TOKEN_URL: google.tokenUrl,
    APPLE_SERVICES_ID: apple.servicesId,
    APPLE_TEAM_ID: apple.teamId,
    APPLE_KEY_ID: apple.keyId,
    APPLE_PRIVATE_KEY: apple.privateKeyPem,
    APPLE_AUTHORIZATION_URL: apple.authorizationUrl,
    APPLE_TOKEN_URL: apple.tokenUrl,
  });
}

let appStoreSandbox = null;
if (appStoreSandboxMode) {
  appStoreSandbox = await runUntilReady('appstore-sandbox', [path.join(root, 'sandbox/dist/appstore/src/cli.js'), 'serve'], {
    ...env,
    APPSTORE_SANDBOX_PORT: process.env.APPSTORE_SANDBOX_PORT ?? '12113',
    APPSTORE_SANDBOX_STATE_DIR: path.join(env.DATA_DIR, 'appstore-sandbox'),
    APPSTORE_NOTIFICATION_URL: `http://127.0.0.1:${apiPort}/webhooks/app-store`,
  });
  Object.assign(env, {
    APPSTORE_BUNDLE_ID: appStoreSandbox.bundleId,
    APPSTORE_APP_APPLE_ID: String(appStoreSandbox.appAppleId),
    APPSTORE_ENVIRONMENTS: 'Sandbox',
    APPSTORE_ROOT_CERTIFICATE: appStoreSandbox.rootCertificateBase64,
    APPSTORE_ISSUER_ID: appStoreSandbox.serverApi.issuerId,
    APPSTORE_KEY_ID: appStoreSandbox.serverApi.keyId,
    APPSTORE_PRIVATE_KEY: appStoreSandbox.serverApi.privateKeyPem,
    APPSTORE_API_URL: appStoreSandbox.url,
  });
}

const api = run('api', process.execPath, [path.join(root, 'api/dist/main.js')], env);
await waitForHealth(`${apiUrl}/healthz`, api, 120_000);
if (stripeSandbox) {
  // The sandbox needs the catalogue's products and prices, as a real account would (npm run stripe:sync).
  const sync = spawnSync(process.execPath, [path.join(root, 'api/dist/billing/stripe/catalogue-cli.js')], { cwd: root, env, encoding: 'utf8' });
  if (sync.status !== 0) {
    say(`syncing the plan catalogue into the Stripe sandbox failed:\n${sync.stderr}`);
    stop(1);
  }
}

const web = run('web', process.execPath, [path.join(root, 'web/server.js')], {
  ...env,
  PORT: String(webPort),
  API_URL: process.env.API_URL ?? `${apiUrl}/graphql`,
  ...(stripeSandbox ? { STRIPE_JS_URL: stripeSandbox.stripeJsUrl } : {}),
  ...webProviderEnv,
});
await waitForHealth(`http://localhost:${webPort}/healthz`, web, 60_000);

say('ready');
say(`  web  ${webUrl}`);
say(`  API  ${apiUrl}/graphql   (health: ${apiUrl}/healthz, JWKS: ${apiUrl}/.well-known/jwks.json)`);
if (!process.env.SMTP_URL) say(`  mail ${webUrl}/dev/mailbox   (no SMTP configured: mails stay in the outbox)`);
if (oidcSandbox) say(`  id   local Google/Apple sign-in at ${oidcSandbox.url}   (an account picker; no provider credentials configured)`);
if (appStoreSandbox) say(`  iap  local App Store at ${appStoreSandbox.url}   (play the iPhone: npm run appstore -- purchase --app-account-token <uuid> --product com.crossbill.pro.monthly)`);
if (stripeSandbox) say(`  pay  local Stripe sandbox at ${stripeSandbox.url}   (test card 4242 4242 4242 4242; no Stripe keys configured)`);
say('Ctrl-C to stop.');

function run(name, command, args, childEnv) {
  const child = spawn(command, args, { cwd: root, env: childEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping everything`);
      stop(1);
    }
  });
  return child;
}

function stop(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (!alive.length) process.exit(exitCode);
  let left = alive.length;
  for (const child of alive) {
    child.once('exit', () => {
      if (--left === 0) process.exit(exitCode);
    });
    child.kill('SIGTERM');
  }
  setTimeout(() => {
    for (const child of alive) child.kill('SIGKILL');
    process.exit(exitCode || 1);
  }, 15_000).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

/** Starts a Node program that prints `[name] ready {json}` once listening; resolves with that JSON. */
function runUntilReady(name, args, childEnv) {
  const child = spawn(process.execPath, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buffer = '';
    let ready = false;
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      if (ready) return;
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.startsWith(`[${name}] ready `));
      if (line) {
        ready = true;
        resolve(JSON.parse(line.slice(`[${name}] ready `.length)));
      }
    });
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(`${name} exited before it was ready (${signal ?? code})`));
      else if (!stopping) {
        say(`${name} exited (${signal ?? code}); stopping everything`);
        stop(1);
      }
    });
  });
}

async function waitForHealth(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited before it was ready`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop(1);
  throw new Error(`${url} did not become ready within ${timeoutMs / 1000} s`);
}

function newestMtime(target) {
  const full = path.join(root, target);
  if (!fs.existsSync(full)) return 0;
  const stat = fs.statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(full)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

function buildIfStale(workspace, sources, output) {
  const built = newestMtime(output);
  if (built && sources.every((s) => newestMtime(s) <= built)) return;
  say(`building ${workspace}…`);
  const result = spawnSync('npm', ['run', 'build', '-w', workspace], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    say(`building ${workspace} failed`);
    process.exit(result.status ?? 1);
  }
}

function loadDotEnv(file) {
  if (!fs.existsSync(file)) return;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trim().startsWith('#')) continue;
    const value = match[2].replace(/^(['"])(.*)\1$/, '$2');
    if (process.env[match[1]] === undefined && value !== '') process.env[match[1]] = value;
  }
}
