/** HTML of the sandbox's sign-in pages: the account picker, Apple's form_post hop, errors. */
import { PRESET_ACCOUNTS, Provider } from './accounts';

const TITLES: Record<Provider, string> = { google: 'Sign in with Google', apple: 'Sign in with Apple' };

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function layout(provider: Provider, body: string): string {
  const title = TITLES[provider];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 28rem; margin: 1.5rem auto; padding: 0 1rem; color: #1a1a1a; }
  .banner { background: #fff4cc; border: 1px solid #e6c200; padding: .4rem .7rem; border-radius: 4px; font-size: .85rem; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.05rem; margin-top: 1.5rem; }
  .account { display: block; width: 100%; text-align: left; margin: .5rem 0; padding: .7rem 1rem; font-size: 1rem;
    border: 1px solid #ccc; border-radius: 8px; background: #fff; cursor: pointer; }
  .account:hover, .account:focus { border-color: #1a73e8; background: #f3f7fe; }
  .account small { display: block; color: #555; }
  .account, .account small { overflow-wrap: anywhere; }
  label { display: block; margin-top: .8rem; font-weight: 600; }
  label.check { font-weight: normal; display: flex; gap: .5rem; align-items: center; }
  input[type=email], input[type=text] { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; }
  input[type=checkbox] { width: 1.2rem; height: 1.2rem; }
  .primary { margin-top: 1rem; padding: .7rem 1.4rem; font-size: 1rem; cursor: pointer; }
  .link { background: none; border: none; color: #1a73e8; padding: 0; margin-top: 1.5rem; font-size: .95rem; cursor: pointer; }
  .error { color: #b00020; }
</style>
</head>
<body>
<p class="banner">Sandbox — a local stand-in for ${provider === 'google' ? 'Google' : 'Apple'}, not the real sign-in.</p>
${body}
</body>
</html>`;
}

export interface PickerView {
  provider: Provider;
  action: string;
  requestId: string;
  clientId: string;
  redirectHost: string;
  loginHint?: string;
}

export function pickerPage(v: PickerView): string {
  const hidden = `<input type="hidden" name="request" value="${esc(v.requestId)}">`;
  const presets = PRESET_ACCOUNTS[v.provider]
    .map(
      (a) => `<button class="account" name="account" value="${esc(a.email)}" aria-label="Continue as ${esc(a.email)}">
  <strong>${esc(a.name)}</strong> · ${esc(a.email)}<small>Continue as ${esc(a.email)}${a.note ? ` — ${esc(a.note)}` : ''}</small>
</button>`,
    )
    .join('\n');
  return layout(
    v.provider,
    `<h1>${esc(TITLES[v.provider])}</h1>
<p>Choose an account to continue to <strong>${esc(v.redirectHost)}</strong> <small>(${esc(v.clientId)})</small>.</p>
<form method="post" action="${esc(v.action)}">
${hidden}
${presets}
</form>
<h2>Use another account</h2>
<form method="post" action="${esc(v.action)}">
${hidden}
<input type="hidden" name="custom" value="1">
<label for="email">Email</label>
<input id="email" name="email" type="email" required autocomplete="off" value="${esc(v.loginHint ?? '')}">
<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="off">
<label class="check" for="email_verified"><input id="email_verified" name="email_verified" type="checkbox" value="true" checked> Email verified</label>
<button class="primary" type="submit">Continue</button>
</form>
<form method="post" action="${esc(v.action)}">
${hidden}
<button class="link" name="cancel" value="1">Cancel sign-in</button>
</form>`,
  );
}

/** Apple's `response_mode=form_post`: a page that posts the result to the redirect URI. */
export function formPostPage(provider: Provider, redirectUri: string, fields: Record<string, string>): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
  return layout(
    provider,
    `<h1>${esc(TITLES[provider])}</h1>
<form method="post" action="${esc(redirectUri)}">
${inputs}
<p>Returning to the app…</p>
<button class="primary" type="submit">Continue</button>
</form>
<script>document.forms[0].submit();</script>`,
  );
}

export function errorPage(provider: Provider, error: string, description: string): string {
  return layout(
    provider,
    `<h1>${esc(TITLES[provider])}</h1>
<p class="error"><strong>Error: ${esc(error)}</strong></p>
<p>${esc(description)}</p>`,
  );
}
