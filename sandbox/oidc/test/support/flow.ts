/** Drives the sandbox's sign-in pages with plain fetch, the way a browser would. */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, createRemoteJWKSet, importPKCS8, jwtVerify } from 'jose';
import type { OidcSandbox } from '../../src';

export const REDIRECT = 'http://localhost:3000/auth/callback';

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const unescape = (s: string) => s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));

/** Hidden inputs of the first form on a page, and its action. */
export function formOf(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form in:\n${html}`);
  const form = html.slice(html.indexOf('<form'), html.indexOf('</form>'));
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[unescape(m[1]!)] = unescape(m[2]!);
  return { action: unescape(action), fields };
}

export const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

/** GET the authorization endpoint; returns the picker's action and request id. */
export async function openPicker(authorizationUrl: string, params: Record<string, string>) {
  const res = await fetch(`${authorizationUrl}?${new URLSearchParams(params)}`, { redirect: 'manual' });
  const html = await res.text();
  if (res.status !== 200) throw new Error(`authorize ${res.status}: ${html}`);
  const { action, fields } = formOf(html);
  return { html, action, request: fields.request! };
}

/** Picks a preset (`account`) or custom account (`custom: '1', email, name, email_verified`) on the picker. */
export async function choose(picker: { action: string; request: string }, fields: Record<string, string>) {
  return post(picker.action, { request: picker.request, ...fields });
}

export async function googleCode(sb: OidcSandbox, fields: Record<string, string>, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  const picker = await openPicker(sb.google.authorizationUrl, {
    response_type: 'code',
    client_id: sb.google.webClientId,
    redirect_uri: REDIRECT,
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const res = await choose(picker, fields);
  if (res.status !== 302) throw new Error(`picker ${res.status}: ${await res.text()}`);
  const location = new URL(res.headers.get('location')!);
  return { location, code: location.searchParams.get('code')!, state, nonce, verifier };
}

export async function appleClientSecret(
  sb: OidcSandbox,
  o: { iss?: string; sub?: string; aud?: string; kid?: string; exp?: number; iat?: number; pem?: string } = {},
) {
  const key = await importPKCS8(o.pem ?? sb.apple.privateKeyPem, 'ES256');
  const iat = o.iat ?? Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: o.kid ?? sb.apple.keyId })
    .setIssuer(o.iss ?? sb.apple.teamId)
    .setSubject(o.sub ?? sb.apple.servicesId)
    .setAudience(o.aud ?? 'https://appleid.apple.com')
    .setIssuedAt(iat)
    .setExpirationTime(o.exp ?? iat + 3600)
    .sign(key);
}

export async function verifyIdToken(sb: OidcSandbox, provider: 'google' | 'apple', token: string, audience: string, nonce?: string) {
  const jwks = createRemoteJWKSet(new URL(sb[provider].jwksUrl));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: sb[provider].issuer, audience, algorithms: ['RS256'] });
  if (nonce !== undefined) expect(payload.nonce).toBe(nonce);
  return { payload, protectedHeader };
}
