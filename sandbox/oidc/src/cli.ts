/**
 * `node sandbox/dist/oidc/src/cli.js` — runs the Google/Apple OpenID sandbox until SIGTERM/SIGINT and
 * prints `[oidc-sandbox] ready {…}` (everything the web and API need, including Apple's client key).
 * Env: OIDC_SANDBOX_PORT (default 12112), OIDC_SANDBOX_HOST (default 127.0.0.1),
 * OIDC_SANDBOX_STATE_FILE (keep keys across restarts), OIDC_SANDBOX_VERBOSE=1 to log every sign-in.
 */
import { startOidcSandbox } from './index';
import { announceAndStopOnSignal } from '../../shared/serve';

async function main(): Promise<void> {
  const env = process.env;
  const verbose = env.OIDC_SANDBOX_VERBOSE === '1';
  const sandbox = await startOidcSandbox({
    port: env.OIDC_SANDBOX_PORT ? Number(env.OIDC_SANDBOX_PORT) : 12112,
    host: env.OIDC_SANDBOX_HOST || '127.0.0.1',
    stateFile: env.OIDC_SANDBOX_STATE_FILE || undefined,
    log: (msg) => {
      if (verbose || /^error/i.test(msg)) process.stderr.write(`[oidc-sandbox] ${msg}\n`);
    },
  });
  // JSON leaves out the functions (mintIdToken, close): the rest is the whole OidcSandbox object.
  announceAndStopOnSignal('oidc-sandbox', sandbox, sandbox);
}

main().catch((err) => {
  process.stderr.write(`[oidc-sandbox] failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
