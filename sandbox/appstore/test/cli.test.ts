/**
 * The CLI (`serve` and the player commands) and the control API it drives, in process: `runCli` is
 * what `node dist/appstore/src/cli.js` runs.
 */
import { AddressInfo, createServer } from 'node:net';
import { AppStoreSandbox } from '../src';
import { CliIo, runCli, serve } from '../src/cli-run';
import { MONTHLY, Receiver, TOKEN, YEARLY, startReceiver, verifierFor } from './support/harness';

let sandbox: AppStoreSandbox;
let receiver: Receiver;
let ready: Record<string, unknown>;
let env: Record<string, string>;

beforeAll(async () => {
  receiver = await startReceiver();
  const lines: string[] = [];
  sandbox = await serve({
    env: { APPSTORE_SANDBOX_PORT: '0', APPSTORE_NOTIFICATION_URL: receiver.url },
    out: (s) => lines.push(s),
    err: () => {},
  });
  const m = /^\[appstore-sandbox\] ready (\{.*\})\n$/.exec(lines.join(''));
  expect(m).not.toBeNull();
  ready = JSON.parse((m as RegExpExecArray)[1] as string) as Record<string, unknown>;
  env = { APPSTORE_SANDBOX_URL: sandbox.url };
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

async function cli(args: string[], e: Record<string, string> = env): Promise<{ code: number; out: string; err: string; json: Record<string, any> }> {
  let out = '';
  let err = '';
  const io: CliIo = { env: e, out: (s) => (out += s), err: (s) => (err += s) };
  const code = await runCli(args, io);
  let json: Record<string, any> = {};
  try {
    json = JSON.parse(out) as Record<string, any>;
  } catch {
    /* usage text */
  }
  return { code, out, err, json };
}

it('serve prints the ready line with everything the API needs', () => {
  expect(ready).toEqual({
    url: sandbox.url,
    bundleId: 'com.crossbill.app',
    appAppleId: 1234567890,
    environment: 'Sandbox',
    rootCertificateBase64: sandbox.rootCertificateBase64,
    serverApi: sandbox.serverApi,
    notificationUrl: receiver.url,
  });
});

it('purchase prints the signed transaction (and decoded copies) and sends SUBSCRIBED', async () => {
  const r = await cli(['purchase', '--app-account-token', TOKEN, '--product', MONTHLY]);
  expect(r.code).toBe(0);
  expect(r.json).toMatchObject({ notificationType: 'SUBSCRIBED', subtype: 'INITIAL_BUY', delivered: true, status: 1 });
  const tx = await verifierFor(sandbox).verifyAndDecodeTransaction(r.json.signedTransaction as string);
  expect(tx).toMatchObject({ transactionId: r.json.transactionId, appAccountToken: TOKEN, productId: MONTHLY });
  expect(r.json.decoded.transaction.transactionId).toBe(r.json.transactionId);
  expect(r.json.decoded.notification.notificationType).toBe('SUBSCRIBED');
  expect(receiver.received).toContain(r.json.signedPayload);
});

it('plays a whole subscription life, each command sending its notification', async () => {
  const bought = await cli(['purchase', '--app-account-token=0f5b8d2e-5d7a-4c55-8d0e-2b9a4f1c6e3d', '--product', MONTHLY, '--at', '2026-03-01T12:00:00Z']);
  const id = bought.json.originalTransactionId as string;
  const steps: [string[], string, string | undefined, number][] = [
    [['renew', id], 'DID_RENEW', undefined, 1],
    [['fail-renewal', id, '--grace'], 'DID_FAIL_TO_RENEW', 'GRACE_PERIOD', 4],
    [['recover', id], 'DID_RENEW', 'BILLING_RECOVERY', 1],
    [['fail-renewal', id], 'DID_FAIL_TO_RENEW', undefined, 3],
    [['renew', id], 'DID_RENEW', 'BILLING_RECOVERY', 1],
    [['cancel-renewal', id], 'DID_CHANGE_RENEWAL_STATUS', 'AUTO_RENEW_DISABLED', 1],
    [['resume-renewal', id], 'DID_CHANGE_RENEWAL_STATUS', 'AUTO_RENEW_ENABLED', 1],
    [['upgrade', id, '--product', YEARLY], 'DID_CHANGE_RENEWAL_PREF', 'UPGRADE', 1],
    [['expire', id], 'EXPIRED', 'VOLUNTARY', 2],
    [['purchase', '--original-transaction-id', id, '--product', MONTHLY], 'SUBSCRIBED', 'RESUBSCRIBE', 1],
    [['refund', id, '--reason', '1'], 'REFUND', undefined, 5],
    [['test-notification'], 'TEST', undefined, 0],
  ];
  for (const [args, type, subtype, status] of steps) {
    const r = await cli(args);
    expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 0, err: '' });
    expect(r.json.notificationType).toBe(type);
    expect(r.json.subtype).toBe(subtype);
    if (status) expect(r.json.status).toBe(status);
    expect(r.json.delivered).toBe(true);
    const n = await verifierFor(sandbox).verifyAndDecodeNotification(r.json.signedPayload as string);
    expect([n.notificationType, n.subtype]).toEqual([type, subtype]);
  }
  const status = await cli(['status', id]);
  expect(status.json).toMatchObject({ originalTransactionId: id, state: 'revoked', status: 5 });
  expect(status.json.transactions.length).toBeGreaterThanOrEqual(5);
  const list = await cli(['list']);
  expect(list.json.data.map((s: { originalTransactionId: string }) => s.originalTransactionId)).toContain(id);
  const notifications = await cli(['notifications']);
  expect(notifications.json.data.at(-1)).toMatchObject({ notificationType: 'TEST', delivered: true });
  expect((await cli(['info'])).json).toMatchObject({ url: sandbox.url, bundleId: 'com.crossbill.app' });
});

it('revoke works from the CLI too', async () => {
  const bought = await cli(['purchase', '--product', MONTHLY, '--family-shared']);
  const r = await cli(['revoke', bought.json.originalTransactionId]);
  expect(r.json).toMatchObject({ notificationType: 'REVOKE', status: 5 });
  expect(r.json.decoded.transaction.inAppOwnershipType).toBe('FAMILY_SHARED');
});

describe('errors', () => {
  it('unknown commands and options, missing ids or products: usage, exit 2', async () => {
    for (const args of [['frobnicate'], ['renew'], ['upgrade', '123'], ['purchase', '--bogus', 'x'], ['renew', '1', '--at', 'yesterday-ish']]) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(/^appstore: /);
      expect(r.err).toContain('purchase --app-account-token');
    }
  });

  it('unknown ids and refused transitions: the sandbox says why, exit 1', async () => {
    const r = await cli(['renew', '42']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/No subscription with original transaction id "42" \(unknown_subscription\)/);
    const p = await cli(['purchase', '--product', 'com.crossbill.pro.weekly']);
    expect(p.err).toMatch(/Unknown product .*unknown_product/);
    const bought = await cli(['purchase', '--product', MONTHLY]);
    const renewed = await cli(['renew', bought.json.transactionId]);
    expect(renewed.code).toBe(0);
    const byRenewal = await cli(['expire', renewed.json.transactionId]);
    expect(byRenewal.err).toMatch(/use the original transaction id/);
  });

  it('no sandbox running: a clear message, exit 1', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise<void>((resolve) => free.close(() => resolve()));
    const r = await cli(['purchase', '--product', MONTHLY], { APPSTORE_SANDBOX_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/No App Store sandbox is running at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('help prints the usage', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('fail-renewal <originalTransactionId> [--grace]');
  });

  it('the control API answers JSON errors for unknown commands', async () => {
    const res = await fetch(`${sandbox.url}/sandbox/frobnicate`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'unknown_command', message: expect.stringContaining('fail-renewal') } });
    const bad = await fetch(`${sandbox.url}/sandbox/renew`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(400);
    const root = await fetch(`${sandbox.url}/sandbox/root.cer`);
    expect(Buffer.from(await root.arrayBuffer()).toString('base64')).toBe(sandbox.rootCertificateBase64);
  });
});
