// Starts the real stack exactly as a newcomer would (`npm start`, i.e. scripts/start.mjs),
// on free ports with a throwaway data directory, and waits until it says it is ready.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/lib/free-port.mjs';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');


export default async function globalSetup() {
  if (!fs.existsSync('/usr/bin/chromium')) {
    throw new Error('Browser tests need Debian Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does this).');
  }
  const [apiPort, webPort, stripePort, oidcPort, appStorePort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'crossbill-e2e-'));
  fs.chmodSync(dataDir, 0o777);
  const logFile = path.join(root, 'e2e/artifacts/stack.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: {
      ...process.env,
      API_PORT: String(apiPort),
      WEB_PORT: String(webPort),
      STRIPE_SANDBOX_PORT: String(stripePort),
      OIDC_SANDBOX_PORT: String(oidcPort),
      APPSTORE_SANDBOX_PORT: String(appStorePort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      PUBLIC_WEB_URL: `http://localhost:${webPort}`,
      // Short-lived access tokens, so the browser tests also exercise the web server's
      // transparent refresh (it refreshes when under 30 s are left).
      ACCESS_TOKEN_TTL_SECONDS: '36',
      // Every browser test signs people up from 127.0.0.1: the per-IP limits (tested in the API
      // suite) would otherwise end the run after 20 accounts.
      RATE_LIMIT_SIGNUP_PER_IP: '1000',
      RATE_LIMIT_LOGIN_PER_IP: '1000',
      RATE_LIMIT_EMAIL_PER_IP: '1000',
    },
    stdio: ['ignore', log, log],
    detached: true, // its own process group, so teardown stops npm, node and PostgreSQL together
  });
  globalThis.__CROSSBILL_STACK__ = { child, dataDir };

  const deadline = Date.now() + 240_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited early (${child.exitCode}); see ${logFile}`);
    if (fs.readFileSync(logFile, 'utf8').includes('[crossbill] ready')) break;
    if (Date.now() > deadline) throw new Error(`npm start was not ready in time; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  process.env.E2E_WEB_URL = `http://localhost:${webPort}`;
  process.env.E2E_API_URL = `http://localhost:${apiPort}`;
  process.env.E2E_STRIPE_URL = `http://127.0.0.1:${stripePort}`;
  process.env.E2E_APPSTORE_URL = `http://127.0.0.1:${appStorePort}`;
  // The stack's data directory: CLIs that need its embedded database (npm run retention-apps)
  // find it through DATA_DIR/postgres.url.
  process.env.E2E_DATA_DIR = dataDir;
}
