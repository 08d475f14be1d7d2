import { signUp, startTestApi } from '../support/test-api';

it('serves the outbox at /dev/outbox without SMTP, outside production', async () => {
  const t = await startTestApi();
  try {
    const u = await signUp(t);
    const body = (await (await fetch(`${t.url}/dev/outbox`)).json()) as { messages: Array<{ to: string; subject: string; text: string }> };
    const mail = body.messages.find((m) => m.to === u.user.email);
    expect(mail?.subject).toBe('Confirm your email address');
    expect(mail?.text).toMatch(/\/verify-email\?token=cbv_/);
  } finally {
    await t.close();
  }
});
