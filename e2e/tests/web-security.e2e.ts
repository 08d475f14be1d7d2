import { webUrl } from '../support/browser';

// Plain HTTP against the running web server: what a hostile page or client could send.

it('refuses cross-site form posts', async () => {
  const body = new URLSearchParams({ email: 'someone@example.com', password: 'harbor-lantern-2291' });
  const res = await fetch(`${webUrl()}/login`, {
    method: 'POST',
    body,
    redirect: 'manual',
    headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
  });
  expect(res.status).toBe(403);
  expect(res.headers.get('set-cookie')).toBeNull();
});

it('never puts a token in a page or a readable cookie', async () => {
  const email = `sec-${Date.now().toString(36)}@example.com`;
  const body = new URLSearchParams({ name: 'Sec', email, password: 'harbor-lantern-2291' });
  const res = await fetch(`${webUrl()}/signup`, { method: 'POST', body, redirect: 'manual', headers: { origin: webUrl() } });
  expect(res.status).toBe(302);
  const cookie = res.headers.get('set-cookie')!;
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
  const account = await fetch(`${webUrl()}/account`, { headers: { cookie: cookie.split(';')[0]! } });
  const html = await account.text();
  expect(html).toContain(email);
  expect(html).not.toMatch(/cbr_|eyJhbGci/); // no refresh token, no JWT in the page
});

it('sends security headers', async () => {
  const res = await fetch(`${webUrl()}/login`);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('x-powered-by')).toBeNull();
});
