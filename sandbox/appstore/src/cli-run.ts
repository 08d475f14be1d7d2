/**
 * The CLI's logic, importable for tests: `runCli(argv, io)` → exit code. `cli.ts` is the entry point.
 *
 * `node sandbox/dist/appstore/src/cli.js <command>` (`npm run appstore -w sandbox -- <command>`).
 *
 * `serve` runs the App Store sandbox until SIGTERM/SIGINT and prints
 * `[appstore-sandbox] ready {url, bundleId, appAppleId, environment, rootCertificateBase64, serverApi, notificationUrl}`.
 * Env: APPSTORE_SANDBOX_PORT (default 12113), APPSTORE_SANDBOX_HOST (127.0.0.1), APPSTORE_SANDBOX_STATE_DIR,
 * APPSTORE_NOTIFICATION_URL, APPSTORE_SANDBOX_BUNDLE_ID, APPSTORE_SANDBOX_APP_APPLE_ID,
 * APPSTORE_SANDBOX_ACCELERATED=1 (Apple's sandbox renewal rates), APPSTORE_SANDBOX_RETRY_BASE_MS,
 * APPSTORE_SANDBOX_VERBOSE=1.
 *
 * Every other command plays the iPhone's side against a running sandbox (APPSTORE_SANDBOX_URL,
 * default http://127.0.0.1:12113) and prints JSON.
 */
import { AppStoreSandbox, startAppStoreSandbox } from './index';
import { decodeJws } from './jws';

export interface CliIo {
  env: Record<string, string | undefined>;
  out: (s: string) => void;
  err: (s: string) => void;
}

export const USAGE = `Crossbill App Store sandbox

  serve                                          run the sandbox (see env in sandbox/README.md)

Play the iPhone's side (each prints JSON and sends the matching App Store Server Notification):
  purchase --app-account-token <uuid> --product <productId> [--original-transaction-id <id>] [--family-shared]
  renew <originalTransactionId>
  fail-renewal <originalTransactionId> [--grace]
  recover <originalTransactionId>
  expire <originalTransactionId>
  refund <originalTransactionId> [--reason 0|1] [--transaction-id <id>]
  revoke <originalTransactionId>
  cancel-renewal <originalTransactionId>
  resume-renewal <originalTransactionId>
  upgrade <originalTransactionId> --product <productId>
  test-notification
  Every command takes --at <ISO date> (default: now).

Look around:
  status <originalTransactionId | transactionId>
  list
  notifications
  info
  set-notification-url <url>

Products: com.crossbill.pro.monthly (1 month), com.crossbill.pro.yearly (1 year).
The running sandbox is found at APPSTORE_SANDBOX_URL (default http://127.0.0.1:12113).`;

const PLAYER = new Set([
  'purchase',
  'renew',
  'fail-renewal',
  'recover',
  'expire',
  'refund',
  'revoke',
  'cancel-renewal',
  'resume-renewal',
  'upgrade',
  'test-notification',
]);
const NEEDS_ID = new Set([...PLAYER].filter((c) => c !== 'purchase' && c !== 'test-notification'));
const BOOLEAN_FLAGS = new Set(['grace', 'family-shared', 'help']);

class UsageError extends Error {}

function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-h') flags.help = true;
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags[name] = a.slice(eq + 1);
      else if (BOOLEAN_FLAGS.has(name)) flags[name] = true;
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        flags[name] = v;
        i++;
      }
    } else positional.push(a);
  }
  return { positional, flags };
}

const KNOWN_FLAGS = new Set(['app-account-token', 'product', 'original-transaction-id', 'family-shared', 'grace', 'reason', 'transaction-id', 'at', 'help']);

function body(command: string, positional: string[], flags: Record<string, string | true>): Record<string, unknown> {
  for (const f of Object.keys(flags)) if (!KNOWN_FLAGS.has(f)) throw new UsageError(`unknown option --${f}`);
  const b: Record<string, unknown> = {};
  if (NEEDS_ID.has(command)) {
    const id = positional[1] ?? (flags['original-transaction-id'] as string | undefined);
    if (!id) throw new UsageError(`${command} needs an original transaction id: ${command} <originalTransactionId>`);
    b.originalTransactionId = id;
  } else if (flags['original-transaction-id']) b.originalTransactionId = flags['original-transaction-id'];
  if (flags.at) {
    if (Number.isNaN(new Date(String(flags.at)).getTime())) throw new UsageError(`--at ${String(flags.at)} is not a date`);
    b.at = String(flags.at);
  }
  if (flags.product) b.productId = String(flags.product);
  if (flags['app-account-token']) b.appAccountToken = String(flags['app-account-token']);
  if (flags['family-shared']) b.familyShared = true;
  if (flags.grace) b.grace = true;
  if (flags.reason !== undefined) b.reason = Number(flags.reason);
  if (flags['transaction-id']) b.transactionId = String(flags['transaction-id']);
  if (command === 'upgrade' && !b.productId) throw new UsageError('upgrade needs --product <productId>');
  return b;
}

async function call(io: CliIo, method: 'GET' | 'POST', path: string, payload?: unknown): Promise<unknown> {
  const base = (io.env.APPSTORE_SANDBOX_URL || 'http://127.0.0.1:12113').replace(/\/+$/, '');
  let res: globalThis.Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: payload === undefined ? {} : { 'Content-Type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    throw new Error(
      `No App Store sandbox is running at ${base}${code ? ` (${code})` : ''}. Start one with \`node sandbox/dist/appstore/src/cli.js serve\` ` +
        '(or `npm start`), or set APPSTORE_SANDBOX_URL.',
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${base}${path} answered ${res.status} with something that is not JSON — is APPSTORE_SANDBOX_URL the App Store sandbox?`);
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } }).error;
    throw new Error(e?.message ? `${e.message} (${e.code ?? res.status})` : `HTTP ${res.status}`);
  }
  return json;
}

/** Adds decoded copies of the signed parts, for people reading the output. */
function withDecoded(result: Record<string, unknown>): Record<string, unknown> {
  const out = { ...result };
  const decoded: Record<string, unknown> = {};
  if (typeof result.signedTransaction === 'string') decoded.transaction = decodeJws(result.signedTransaction).payload;
  if (typeof result.signedRenewalInfo === 'string') decoded.renewalInfo = decodeJws(result.signedRenewalInfo).payload;
  if (typeof result.signedPayload === 'string') {
    const n = decodeJws<Record<string, unknown>>(result.signedPayload).payload;
    decoded.notification = { notificationType: n.notificationType, subtype: n.subtype, notificationUUID: n.notificationUUID, signedDate: n.signedDate };
  }
  if (Object.keys(decoded).length) out.decoded = decoded;
  return out;
}

/** Starts the sandbox from the environment and prints the ready line; the caller owns shutdown. */
export async function serve(io: CliIo): Promise<AppStoreSandbox> {
  const env = io.env;
  const verbose = env.APPSTORE_SANDBOX_VERBOSE === '1';
  const sandbox = await startAppStoreSandbox({
    port: env.APPSTORE_SANDBOX_PORT ? Number(env.APPSTORE_SANDBOX_PORT) : 12113,
    host: env.APPSTORE_SANDBOX_HOST || '127.0.0.1',
    stateDir: env.APPSTORE_SANDBOX_STATE_DIR || undefined,
    notificationUrl: env.APPSTORE_NOTIFICATION_URL || undefined,
    bundleId: env.APPSTORE_SANDBOX_BUNDLE_ID || undefined,
    appAppleId: env.APPSTORE_SANDBOX_APP_APPLE_ID ? Number(env.APPSTORE_SANDBOX_APP_APPLE_ID) : undefined,
    acceleratedRenewals: env.APPSTORE_SANDBOX_ACCELERATED === '1',
    notificationRetryBaseMs: env.APPSTORE_SANDBOX_RETRY_BASE_MS ? Number(env.APPSTORE_SANDBOX_RETRY_BASE_MS) : undefined,
    log: (msg) => {
      if (verbose || /^error/i.test(msg) || /gave up/.test(msg)) io.err(`[appstore-sandbox] ${msg}\n`);
    },
  });
  const ready = {
    url: sandbox.url,
    bundleId: sandbox.bundleId,
    appAppleId: sandbox.appAppleId,
    environment: sandbox.environment,
    rootCertificateBase64: sandbox.rootCertificateBase64,
    serverApi: sandbox.serverApi,
    notificationUrl: sandbox.notificationUrl ?? null,
  };
  io.out(`[appstore-sandbox] ready ${JSON.stringify(ready)}\n`);
  return sandbox;
}

/** Runs one player / look-around command (not `serve`) and returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const print = (v: unknown) => io.out(`${JSON.stringify(v, null, 2)}\n`);
  try {
    const { positional, flags } = parseArgs(argv);
    const command = positional[0];
    if (!command || command === 'help' || flags.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (command === 'serve') throw new UsageError('serve is started by the cli entry point');
    if (PLAYER.has(command)) {
      print(withDecoded((await call(io, 'POST', `/sandbox/${command}`, body(command, positional, flags))) as Record<string, unknown>));
      return 0;
    }
    switch (command) {
      case 'status': {
        const id = positional[1];
        if (!id) throw new UsageError('status needs an original transaction id (or any transaction id)');
        print(await call(io, 'GET', `/sandbox/subscriptions/${encodeURIComponent(id)}`));
        return 0;
      }
      case 'list':
        print(await call(io, 'GET', '/sandbox/subscriptions'));
        return 0;
      case 'notifications':
        print(await call(io, 'GET', '/sandbox/notifications'));
        return 0;
      case 'info':
        print(await call(io, 'GET', '/sandbox'));
        return 0;
      case 'set-notification-url': {
        const url = positional[1];
        if (!url) throw new UsageError('set-notification-url needs a URL');
        print(await call(io, 'POST', '/sandbox/notification-url', { url }));
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`appstore: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    io.err(`appstore: ${(err as Error).message}\n`);
    return 1;
  }
}
