import { SMTPServer } from 'smtp-server';
import { freePort } from '../../src/platform/db/embedded-postgres';
import { MailMessageEntity } from '../../src/platform/mail/mail-message.entity';
import { signUp, startTestApi, type TestApi } from '../support/test-api';

interface Received {
  to: string[];
  raw: string;
}

function startSmtp(port: number, received: Received[]): Promise<SMTPServer> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk) => (raw += chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

const closeSmtp = (server: SMTPServer) => new Promise<void>((resolve) => server.close(() => resolve()));

async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let t: TestApi;
let port: number;
beforeAll(async () => {
  port = await freePort();
  t = await startTestApi({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Crossbill <hello@crossbill.test>' });
});
afterAll(() => t.close());

it('delivers over SMTP after commit and records the delivery', async () => {
  const received: Received[] = [];
  const smtp = await startSmtp(port, received);
  try {
    const u = await signUp(t);
    const mail = await waitFor(async () => received.find((m) => m.to.includes(u.user.email)));
    expect(mail.raw).toMatch(/Subject: Confirm your email address/);
    expect(mail.raw).toMatch(/From: Crossbill <hello@crossbill.test>/);
    const [row] = await t.mailsTo(u.user.email);
    expect(row!.deliveredAt).not.toBeNull();
    expect(row!.attempts).toBe(1);
  } finally {
    await closeSmtp(smtp);
  }
});

it('keeps a mail when SMTP is down and delivers it once SMTP is back', async () => {
  const u = await signUp(t); // no SMTP server listening now
  const failed = await waitFor(async () => {
    const [row] = await t.mailsTo(u.user.email);
    return row && row.attempts > 0 ? row : undefined;
  });
  expect(failed.deliveredAt).toBeNull();
  expect(failed.lastError).toBeTruthy();
  expect(failed.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());

  const received: Received[] = [];
  const smtp = await startSmtp(port, received);
  try {
    // Fast-forward the backoff instead of waiting for it.
    await t.dataSource.getRepository(MailMessageEntity).update(failed.id, { nextAttemptAt: new Date(Date.now() - 1000) });
    t.api.mailer.kick();
    await waitFor(async () => received.find((m) => m.to.includes(u.user.email)));
    const [row] = await t.mailsTo(u.user.email);
    expect(row!.deliveredAt).not.toBeNull();
    expect(row!.attempts).toBe(2);
  } finally {
    await closeSmtp(smtp);
  }
});

it('does not serve the outbox over HTTP when SMTP is configured', async () => {
  expect((await fetch(`${t.url}/dev/outbox`)).status).toBe(404);
});
